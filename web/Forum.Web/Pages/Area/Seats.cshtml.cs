using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Asking for seats in a session for accredited members (and, in a ministerial session, for the floor). The API's
/// refusals are explained in plain words: who may sit in a ministerial session, who is not accredited yet.
/// </summary>
public sealed class SeatsModel(ForumApi api) : FocalPointPage(api)
{
    [BindProperty]
    public Guid? SessionId { get; set; }

    [BindProperty]
    public List<Guid> MemberIds { get; set; } = [];

    [BindProperty]
    public bool RequestsFloor { get; set; }

    [BindProperty]
    public long Version { get; set; }

    public Conference? Conference { get; private set; }

    public IReadOnlyList<Session> Sessions { get; private set; } = [];

    public IReadOnlyList<DelegationMember> Accredited => Delegation.ActiveMembers.Where(m => m.Accredited).ToList();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        Version = Delegation.Version;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var answer = await Api.RequestSeatsAsync(Token, Delegation.Id, new SeatsRequest(SessionId, MemberIds, RequestsFloor), Version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", pageHandler: null, routeValues: new { done = "seats" }, fragment: "members");
        }

        if (answer.Stale)
        {
            await ReloadAsync(ct);
        }
        else
        {
            Errors = AreaErrors.Seats(answer.Problem!, Lang.Of(HttpContext));
        }

        await LoadAsync(ct);
        Version = Delegation.Version;
        ModelState.Clear();
        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Conference = await Api.ConferenceAsync(Delegation.ConferenceSlug, ct);
        var agenda = await Api.AgendaAsync(Delegation.ConferenceSlug, ct);
        Sessions = agenda?.Sessions.Where(s => !s.Cancelled).OrderBy(s => s.StartUtc, StringComparer.Ordinal).ToList() ?? [];
    }
}
