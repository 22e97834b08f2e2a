using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>One delegation: its members' accreditation, place or waiting position, seats, full powers and badges, and its history.</summary>
public sealed class DelegationModel(StaffApi api) : ProtocolPageModel(api)
{
    public DelegationDetails Delegation { get; private set; } = null!;

    public IReadOnlyList<DelegationEvent> History { get; private set; } = [];

    /// <summary>What a change made on another page did (a badge re-issued, data erased), said once here.</summary>
    public string? Done { get; private set; }

    private Dictionary<Guid, string> sessions = [];

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, string? done, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct) || (await Api.DelegationAsync(id, ct)).Value is not { } d || d.ConferenceSlug != Conference.Slug)
        {
            return NotFound();
        }

        Delegation = d;
        var history = Api.DelegationHistoryAsync(id, ct);
        // Seats name their sessions by the published agenda; a session not published yet is "a session".
        var agenda = await Api.PublishedAgendaAsync(slug, ct);
        sessions = agenda.Value?.Sessions.ToDictionary(s => s.Id, s => s.Title) ?? [];
        History = ((await history).Value ?? []).OrderByDescending(e => e.Version).ToList();
        Done = done is "reissued" or "erased" ? Word("PrDone_" + done) : null;
        return Page();
    }

    public string SessionTitle(Guid id) => sessions.TryGetValue(id, out var title) ? title : Word("PrSomeSession");

    public string When(DateTimeOffset at) => Stamp(at, Lang);

    public string By(string? actor) => Person(actor);

    public string Describe(DelegationEvent e)
    {
        var what = Localisation.Text.Find("PrEvent_" + e.Type, Lang) ?? Conferences.HistoryModel.Words(e.Type);
        var member = e.MemberId is { } m ? Delegation.Members.FirstOrDefault(x => x.Id == m) : null;
        return member is null ? what : $"{what}: {(member.Erased ? Word("PrErased") : member.Name)}";
    }

    /// <summary>An instant as staff read it: UTC, to the minute, in the page's language.</summary>
    public static string Stamp(DateTimeOffset at, Lang lang) =>
        at.UtcDateTime.ToString("d MMM yyyy HH:mm 'UTC'", lang.Culture);

    /// <summary>The person's name as the API recorded it ("protocol:sub (Name)"), else the actor as recorded.</summary>
    public static string Person(string? actor) => HistoryEntry.NameOf(actor);
}
