using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Agenda;

/// <summary>Cancels a session, with a reason; it stays in the agenda and the feeds as cancelled.</summary>
public sealed class CancelSessionModel(StaffApi api) : PageModel
{
    public Session Session { get; private set; } = null!;

    [FromRoute]
    public string Slug { get; set; } = "";

    [BindProperty]
    public string? Reason { get; set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, long revision, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }

        var answer = await api.CancelSessionAsync(Slug, id, Reason, revision, ct);
        if (answer.Ok)
        {
            BoardModel.Remember(TempData, new UndoStep(id, Session.Title, null, answer.Version ?? answer.Value!.Revision, Cancelled: true));
            return RedirectToPage("/Agenda/Board", new { slug = Slug, day = Session.Start[..10] });
        }

        var lang = Lang.Of(HttpContext);
        Errors = answer.Stale
            ? [new FieldError("", Localisation.Text.Get("StaleSession", lang))]
            : ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string> { ["reason"] = "reason" }, key => Localisation.Text.Find(key, lang));
        return Page();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        if ((await api.SessionAsync(Slug, id, ct)).Value is not { } session)
        {
            return false;
        }

        Session = session;
        return true;
    }
}
