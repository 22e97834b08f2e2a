using System.Globalization;
using System.Text.RegularExpressions;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Declarations;

public sealed class CommitmentForm
{
    public string? Text { get; set; }

    public string? IndicatorName { get; set; }

    public string? IndicatorUnit { get; set; }

    /// <summary>As typed: "10", "2.5" or, in French, "2,5".</summary>
    public string? YearlyTarget { get; set; }

    public static CommitmentForm Of(Commitment c) => new()
    {
        Text = c.Text, IndicatorName = c.Indicator?.Name, IndicatorUnit = c.Indicator?.Unit,
        YearlyTarget = c.YearlyTarget?.ToString("0.############################", CultureInfo.InvariantCulture),
    };
}

public sealed class DeclarationForm
{
    public string? Title { get; set; }

    public string? Preamble { get; set; }

    public List<CommitmentForm> Commitments { get; set; } = [];

    /// <summary>"MM-dd" of the year after the year reported on, as the API takes it.</summary>
    public string? ReportingDeadline { get; set; } = "03-31";

    public static DeclarationForm Of(Declaration d) => new()
    {
        Title = d.Title, Preamble = d.Preamble, Commitments = d.Commitments.Select(CommitmentForm.Of).ToList(), ReportingDeadline = d.ReportingDeadline,
    };
}

/// <summary>
/// Drafts a declaration, or its next version (If-Match the version the page showed). Commitments are added, removed and
/// moved by buttons that post the whole form and show it again (GOV.UK's "add another"), so the page needs no script.
/// </summary>
public sealed partial class DraftModel(StaffApi api) : PageModel
{
    private long latest;

    public Conference Conference { get; private set; } = null!;

    /// <summary>The declaration as it stands, when editing one; null when drafting a new one.</summary>
    public Declaration? Current { get; private set; }

    /// <summary>Someone else's version, saved after the one this page showed (412): shown above the organiser's own.</summary>
    public Declaration? Theirs { get; private set; }

    [BindProperty]
    public DeclarationForm Form { get; set; } = new();

    [BindProperty]
    public long Version { get; set; }

    /// <summary>What the pressed button asks: save, add, remove-N, up-N, down-N.</summary>
    [BindProperty]
    public string? Act { get; set; }

    public Guid? Id { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public string? ErrorFor(string id) => Errors.FirstOrDefault(e => e.FieldId == id)?.Message;

    public async Task<IActionResult> OnGetAsync(string slug, Guid? id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        if (Current is { } d)
        {
            if (d.Status != "Draft")
            {
                return RedirectToPage("/Declarations/Declaration", new { slug, id });
            }

            Form = DeclarationForm.Of(d);
        }
        else
        {
            Form.Commitments = [new CommitmentForm()];
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, Guid? id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        var list = Form.Commitments;
        var (verb, index) = ParseAct(Act);
        if (verb != "save")
        {
            switch (verb)
            {
                case "add":
                    list.Add(new CommitmentForm());
                    break;
                case "remove" when index < list.Count && list.Count > 1:
                    list.RemoveAt(index);
                    break;
                case "up" when index > 0 && index < list.Count:
                    (list[index - 1], list[index]) = (list[index], list[index - 1]);
                    break;
                case "down" when index >= 0 && index < list.Count - 1:
                    (list[index + 1], list[index]) = (list[index], list[index + 1]);
                    break;
            }

            return Page();
        }

        var lang = Lang.Of(HttpContext);
        var (request, local) = ToRequest(lang);
        if (local.Count > 0)
        {
            Errors = local;
            return Page();
        }

        var answer = id is { } existing ? await api.RedraftDeclarationAsync(existing, request, Version, ct) : await api.DraftDeclarationAsync(slug, request, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Declarations/Declaration", new { slug, id = answer.Value!.Id, saved = answer.Value.Version });
        }

        if (answer.Stale && Current is { } current)
        {
            // Someone saved a version meanwhile: theirs is shown, this form kept, and the next save is made over theirs.
            Theirs = current;
            Version = latest;
            Errors = [new FieldError("", Localisation.Text.Get("DeclarationConflict", lang))];
            return Page();
        }

        Errors = ProblemFields.ToFields(answer.Problem!, Fields(), key => Word(key, lang));
        return Page();
    }

    private static (string Verb, int Index) ParseAct(string? act)
    {
        var match = ActPattern().Match(act ?? "");
        return match.Success
            ? (match.Groups["verb"].Value, match.Groups["n"].Success ? int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture) : -1)
            : ("save", -1);
    }

    /// <summary>The request the API takes; a target that is not a number is refused here, beside its input.</summary>
    private (DraftDeclarationRequest Request, List<FieldError> Errors) ToRequest(Lang lang)
    {
        var errors = new List<FieldError>();
        var commitments = new List<CommitmentRequest>();
        for (var i = 0; i < Form.Commitments.Count; i++)
        {
            var c = Form.Commitments[i];
            var indicator = string.IsNullOrWhiteSpace(c.IndicatorName) && string.IsNullOrWhiteSpace(c.IndicatorUnit) ? null : new IndicatorRequest(c.IndicatorName, c.IndicatorUnit);
            decimal? target = null;
            if (!string.IsNullOrWhiteSpace(c.YearlyTarget))
            {
                if (ParseNumber(c.YearlyTarget, lang) is { } value)
                {
                    target = value;
                }
                else
                {
                    errors.Add(new FieldError($"commitment-{i}-target", string.Format(CultureInfo.InvariantCulture, Localisation.Text.Get("DeclErr_targetNumber", lang), i + 1)));
                }
            }

            commitments.Add(new CommitmentRequest(c.Text, indicator, target));
        }

        var deadline = string.IsNullOrWhiteSpace(Form.ReportingDeadline) ? null : Form.ReportingDeadline.Trim();
        return (new DraftDeclarationRequest(Form.Title, Form.Preamble, commitments, deadline), errors);
    }

    /// <summary>
    /// A number as the organiser writes it: with a point, or in French with a comma (2,5). No grouping: in English
    /// "1,000" would be ambiguous, so it is refused rather than guessed. The app's cultures are invariant, hence by hand.
    /// </summary>
    private static decimal? ParseNumber(string text, Lang lang)
    {
        var written = lang.IsFrench ? text.Trim().Replace(',', '.') : text.Trim();
        return decimal.TryParse(written, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>The API's field names → this form's inputs, in the page's order.</summary>
    private Dictionary<string, string> Fields()
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["title"] = "title", ["preamble"] = "preamble" };
        for (var i = 0; i < Form.Commitments.Count; i++)
        {
            fields[$"commitments[{i}].text"] = $"commitment-{i}-text";
            fields[$"commitments[{i}].indicator.name"] = $"commitment-{i}-indicator-name";
            fields[$"commitments[{i}].indicator.unit"] = $"commitment-{i}-indicator-unit";
            fields[$"commitments[{i}].yearlyTarget"] = $"commitment-{i}-target";
        }

        fields["commitments"] = "add-commitment";
        fields["reportingDeadline"] = "deadline";
        return fields;
    }

    /// <summary>
    /// The page's words for a refused field ("Field_commitments[1].text" → DeclErr_commitment_text with the commitment's
    /// number), so that French pages say it in French; otherwise the words for a problem's code.
    /// </summary>
    private static string? Word(string key, Lang lang)
    {
        if (!key.StartsWith("Field_", StringComparison.Ordinal))
        {
            return Localisation.Text.Find(key, lang);
        }

        var match = CommitmentField().Match(key["Field_".Length..]);
        if (!match.Success)
        {
            return Localisation.Text.Find("DeclErr_" + key["Field_".Length..], lang);
        }

        var number = int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture) + 1;
        return Localisation.Text.Find("DeclErr_commitment_" + match.Groups["rest"].Value.Replace('.', '_'), lang) is { } template
            ? string.Format(CultureInfo.InvariantCulture, template, number)
            : null;
    }

    private async Task<bool> LoadAsync(string slug, Guid? id, CancellationToken ct)
    {
        Id = id;
        var conference = api.ConferenceAsync(slug, ct);
        if (id is { } existing)
        {
            var declaration = await api.DeclarationAsync(existing, null, ct);
            if (declaration.Value is not { } d || d.ConferenceSlug != slug)
            {
                return false;
            }

            Current = d;
            latest = declaration.Version ?? d.StreamVersion;
            // A GET shows the latest version; a POST keeps the version its form was made from, for If-Match.
            if (HttpMethods.IsGet(Request.Method) || Version == 0)
            {
                Version = latest;
            }
        }

        if ((await conference).Value is not { } c)
        {
            return false;
        }

        Conference = c;
        return true;
    }

    [GeneratedRegex("^(?<verb>save|add|remove|up|down)(-(?<n>[0-9]{1,3}))?$")]
    private static partial Regex ActPattern();

    [GeneratedRegex(@"^commitments\[(?<n>[0-9]{1,3})\]\.(?<rest>.+)$")]
    private static partial Regex CommitmentField();
}
