using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Conferences;

/// <summary>The conference's mails, waiting, sent, dead or dropped, with SendGrid's reason; a dead mail can be sent again.</summary>
public sealed class MailModel(StaffApi api) : PageModel
{
    public static readonly string[] States = ["Waiting", "Sent", "Dead", "Dropped"];

    public Conference Conference { get; private set; } = null!;

    /// <summary>The state shown (the GET form's filter); null or unknown shows every mail.</summary>
    [FromQuery]
    public string? State { get; set; }

    public IReadOnlyList<MailItem> Mails { get; private set; } = [];

    public Guid? Retried { get; private set; }

    public string? Message { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        Message = TempData["message"] as string;
        // TempData's serializer gives a string that reads as a Guid back as a Guid.
        Retried = TempData["retried"] switch { Guid g => g, string id when Guid.TryParse(id, out var g) => g, _ => null };
        return await LoadAsync(slug, ct) ? Page() : NotFound();
    }

    /// <summary>Retries a dead mail; the list then shows every mail, the retried one waiting.</summary>
    public async Task<IActionResult> OnPostRetryAsync(string slug, Guid id, CancellationToken ct)
    {
        var lang = Lang.Of(HttpContext);
        var answer = await api.RetryMailAsync(slug, id, ct);
        if (answer.Ok)
        {
            TempData["message"] = Localisation.Text.Get("MailRetried", lang);
            TempData["retried"] = id.ToString();
            return RedirectToPage(new { slug });
        }

        // 404: the mail is no longer dead (someone retried it meanwhile), or not this conference's.
        Errors = [new FieldError("", answer.Problem!.Status == 404 ? Localisation.Text.Get("MailNotDead", lang)
            : ProblemFields.ToFields(answer.Problem, new Dictionary<string, string>(), key => Localisation.Text.Find(key, lang))[0].Message)];
        State = null;
        return await LoadAsync(slug, ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        State = States.FirstOrDefault(s => string.Equals(s, State, StringComparison.OrdinalIgnoreCase));
        var conference = api.ConferenceAsync(slug, ct);
        var mails = api.MailAsync(slug, State, ct);
        if ((await conference).Value is not { } c)
        {
            return false;
        }

        Conference = c;
        Mails = [.. ((await mails).Value ?? []).OrderByDescending(m => m.CreatedAt)];
        return true;
    }
}
