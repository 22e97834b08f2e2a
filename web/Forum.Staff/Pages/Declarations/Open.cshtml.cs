using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Declarations;

/// <summary>Opens the adopted text for signature, now or at one of the conference's signing ceremonies (from the working agenda).</summary>
public sealed class OpenModel(StaffApi api) : DeclarationPageModel(api)
{
    private static readonly Dictionary<string, string> CodeFields = new(StringComparer.Ordinal)
    {
        ["unknown_session"] = "session", ["not_a_signing_ceremony"] = "session",
    };

    public IReadOnlyList<Session> Ceremonies { get; private set; } = [];

    [BindProperty]
    public Guid? SessionId { get; set; }

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        if (!await LoadOpenAsync(slug, id, ct))
        {
            return NotFound();
        }

        if (Declaration.Status != "Adopted")
        {
            return RedirectToPage("/Declarations/Declaration", new { slug, id });
        }

        SessionId = Ceremonies.Count > 0 ? Ceremonies[0].Id : null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, Guid id, long version, CancellationToken ct)
    {
        if (!await LoadOpenAsync(slug, id, ct))
        {
            return NotFound();
        }

        var answer = await Api.OpenForSignatureAsync(id, SessionId, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Declarations/Declaration", new { slug, id });
        }

        Errors = answer.Stale
            ? [new FieldError("", Word("DeclStale"))]
            : ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string> { ["sessionId"] = "session" }, Words, CodeFields);
        return Page();
    }

    private async Task<bool> LoadOpenAsync(string slug, Guid id, CancellationToken ct)
    {
        var agenda = Api.WorkingAgendaAsync(slug, ct);
        if (!await LoadAsync(slug, id, ct))
        {
            return false;
        }

        Ceremonies = ((await agenda).Value?.Sessions ?? []).Where(s => s.Kind == "SigningCeremony" && !s.Cancelled).OrderBy(s => s.Start, StringComparer.Ordinal).ToList();
        return true;
    }
}
