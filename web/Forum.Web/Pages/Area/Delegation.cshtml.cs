using Forum.Web.Api;
using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Forum.Web.Pages.Area;

/// <summary>The focal point's delegation: party, status, members with their accreditation, place and seats, badges, feeds.</summary>
public sealed class DelegationModel(ForumApi api, IClock clock) : FocalPointPage(api)
{
    /// <summary>What the last action did (after its redirect), from a fixed list: never free text from the address.</summary>
    public static readonly IReadOnlySet<string> Notices = new HashSet<string>(StringComparer.Ordinal) { "added", "replaced", "withdrawn", "seats", "released", "feeds", "token", "signed", "signature-withdrawn", "reported", "delegation-withdrawn", "erased", "focal-point" };

    public Conference? Conference { get; private set; }

    public IReadOnlyDictionary<Guid, Session> Sessions { get; private set; } = new Dictionary<Guid, Session>();

    public DelegationFeeds? Feeds { get; private set; }

    public string? Done { get; private set; }

    /// <summary>The declarations the delegation signs and reports on, with its signature and reports.</summary>
    public IReadOnlyList<AreaDeclaration> Declarations { get; private set; } = [];

    public Instant Now { get; } = clock.GetCurrentInstant();

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Done = done is not null && Notices.Contains(done) ? done : null;
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>Gives a seat back (or leaves a session's line).</summary>
    public async Task<IActionResult> OnPostReleaseAsync(Guid sessionId, Guid memberId, long version, CancellationToken ct)
    {
        var answer = await Api.ReleaseSeatAsync(Token, Delegation.Id, sessionId, memberId, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage(new { done = "released" });
        }

        if (answer.Stale)
        {
            await ReloadAsync(ct);
        }
        else if (answer.Problem?.Status == 404)
        {
            return NotFound();
        }

        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRotateFeedsAsync(CancellationToken ct)
    {
        await Api.RotateFeedsAsync(Token, Delegation.Id, ct);
        return RedirectToPage(new { done = "feeds" });
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Conference = await Api.ConferenceAsync(Delegation.ConferenceSlug, ct);
        var agenda = await Api.AgendaAsync(Delegation.ConferenceSlug, ct);
        Sessions = agenda?.Sessions.ToDictionary(s => s.Id) ?? [];
        Feeds = (await Api.FeedsAsync(Token, Delegation.Id, ct)).Value;
        Declarations = await AreaDeclarations.LoadAsync(Api, Token, Delegation, Conference, ct);
    }
}
