using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Conferences;

/// <summary>One lifecycle step, after a confirmation that says what it will do.</summary>
public sealed class StepModel(StaffApi api) : PageModel
{
    private static readonly Dictionary<string, string> Routes = new(StringComparer.Ordinal)
    {
        ["publish"] = "publish", ["open"] = "registration/open", ["close"] = "registration/close", ["conclude"] = "conclude", ["cancel"] = "cancel",
    };

    public Conference Conference { get; private set; } = null!;

    [FromRoute]
    public string Step { get; set; } = "";

    [BindProperty]
    public string? Reason { get; set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    /// <summary>The steps a conference in <paramref name="status"/> may take (PRODUCT.md's lifecycle).</summary>
    public static IReadOnlyList<string> Allowed(string status) => status switch
    {
        "Draft" => ["publish", "cancel"],
        "Published" => ["open", "conclude", "cancel"],
        "RegistrationOpen" => ["close", "cancel"],
        "RegistrationClosed" => ["open", "conclude", "cancel"],
        _ => [],
    };

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct) => await LoadAsync(slug, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string slug, long version, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct))
        {
            return NotFound();
        }

        var answer = await api.StepAsync(slug, Routes[Step], Reason, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Conferences/Conference", new { slug });
        }

        var lang = Lang.Of(HttpContext);
        Errors = answer.Stale
            ? [new FieldError("", Localisation.Text.Get("StaleConference", lang))]
            : ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string> { ["reason"] = "reason" }, key => Localisation.Text.Find(key, lang));
        return Page();
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        if ((await api.ConferenceAsync(slug, ct)).Value is not { } conference)
        {
            return false;
        }

        Conference = conference;
        return true;
    }
}
