using System.Text.Json;
using Forum.Staff.SignIn;

namespace Forum.Staff.Api;

// The organisers' requests and reads, as shared/API.md writes them; the public models come from the design library.

public sealed record VenueRequest(string? Name, string? City, string? Country);

public sealed record ScheduleConferenceRequest(
    string? Slug,
    string? Title,
    string? SeriesSlug,
    VenueRequest Venue,
    string? TimeZone,
    string? FirstDay,
    string? LastDay,
    IReadOnlyList<string> Languages,
    int? Capacity,
    int? DelegationQuota);

public sealed record ReasonRequest(string? Reason);

public sealed record RoomRequest(string? Name, int? Capacity, IReadOnlyList<string> Interpretation);

public sealed record SessionRequest(
    string? Kind,
    string? Title,
    string? Description,
    Guid? RoomId,
    string? Start,
    string? End,
    string? Chair,
    IReadOnlyList<string> Speakers,
    bool IsPublic,
    int? ExpectedAttendance)
{
    public static SessionRequest Of(Session s) =>
        new(s.Kind, s.Title, s.Description, s.RoomId, s.Start, s.End, s.Chair, s.Speakers ?? [], s.IsPublic, s.ExpectedAttendance);
}

/// <summary>One event of a conference's history: who (the API's actor: role, subject and name), when, what and why.</summary>
public sealed record HistoryEntry(string Type, DateTimeOffset Time, string? Actor, string? Reason, string StreamId, long Version, JsonElement Data)
{
    /// <summary>The session the event is about, when it is about one.</summary>
    public Guid? SessionId => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("sessionId", out var id) && id.TryGetGuid(out var g) ? g : null;

    /// <summary>The person's name as the API recorded it ("organiser:sub (Name)"), else the actor as recorded.</summary>
    public string Who => NameOf(Actor);

    /// <summary>The person's name as the API recorded it ("organiser:sub (Name)"), else the actor as recorded.</summary>
    public static string NameOf(string? actor) =>
        actor is { } a && a.IndexOf(" (", StringComparison.Ordinal) is var i and > 0 && a.EndsWith(')') ? a[(i + 2)..^1] : actor ?? "";
}

/// <summary>One day of the working agenda as the board shows it (GET /agenda/board); Version is the agenda's.</summary>
public sealed record AgendaBoard(
    string ConferenceSlug,
    string Title,
    string TimeZone,
    string FirstDay,
    string LastDay,
    string Day,
    int? PublishedVersion,
    long Version,
    IReadOnlyList<Room> Rooms,
    IReadOnlyList<BoardSession> Sessions);

/// <summary>A session on the board: what changed since the published version, and who changed it last.</summary>
public sealed record BoardSession(Session Session, string? Change, string? ChangedBy, DateTimeOffset? ChangedAt);

/// <summary>What publishing now would change against the latest published version, and whose seats it touches.</summary>
public sealed record PendingAgenda(int? From, IReadOnlyList<SessionChange> Sessions, int Delegations, int Members);

public sealed record PublishedVersion(int Version, string PublishedAt);

/// <summary>A mail of the conference's outbox as organisers see it: to whom, what, where it stands, and SendGrid's last refusal.</summary>
public sealed record MailItem(
    Guid Id,
    string Kind,
    Guid? DelegationId,
    string? To,
    string? Subject,
    string State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset? SentAt,
    string? ProviderMessageId,
    string? LastError);

/// <summary>PUT .../sessions/{id}/speaking-order: every delegation entitled to speak, in the order they are to speak.</summary>
public sealed record SpeakingOrderRequest(IReadOnlyList<Guid> DelegationIds);

/// <summary>The API with the signed-in person's own access token, so that the history names the person.</summary>
public sealed partial class StaffApi(HttpClient http, IHttpContextAccessor accessor) : ApiClient(http)
{
    private static string Slug(string slug) => Uri.EscapeDataString(slug);

    private async Task<string?> TokenAsync() => await StaffSignIn.AccessTokenAsync(accessor.HttpContext!);

    private async Task<Answer<T>> CallAsync<T>(HttpMethod method, string path, object? body = null, long? version = null, CancellationToken ct = default)
        where T : class => await SendAsync<T>(method, path, await TokenAsync(), body, version, ct);

    public Task<Answer<List<Conference>>> ConferencesAsync(CancellationToken ct) => CallAsync<List<Conference>>(HttpMethod.Get, "api/conferences", ct: ct);

    public Task<Answer<List<Series>>> SeriesAsync(CancellationToken ct) => CallAsync<List<Series>>(HttpMethod.Get, "api/series", ct: ct);

    public Task<Answer<Conference>> ConferenceAsync(string slug, CancellationToken ct) => CallAsync<Conference>(HttpMethod.Get, $"api/conferences/{Slug(slug)}", ct: ct);

    public Task<Answer<Conference>> ScheduleConferenceAsync(ScheduleConferenceRequest request, CancellationToken ct) =>
        CallAsync<Conference>(HttpMethod.Post, "api/conferences", request, ct: ct);

    /// <summary>A lifecycle step: publish, registration/open, registration/close, conclude, cancel (with a reason).</summary>
    public Task<Answer<Conference>> StepAsync(string slug, string step, string? reason, long version, CancellationToken ct) =>
        CallAsync<Conference>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/{step}", step == "cancel" ? new ReasonRequest(reason) : null, version, ct);

    /// <summary>A day of the board (the first day when none is given), revalidated against the ETag of the one already laid out.</summary>
    public async Task<Revalidation?> BoardAsync(string slug, string? day, string? etag, CancellationToken ct) =>
        await RevalidateAsync($"api/conferences/{Slug(slug)}/agenda/board{(day is null ? "" : "?day=" + Uri.EscapeDataString(day))}", await TokenAsync(), etag, ct);

    public Task<Answer<Agenda>> WorkingAgendaAsync(string slug, CancellationToken ct) => CallAsync<Agenda>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/agenda?draft=true", ct: ct);

    /// <summary>The latest published version as organisers see it; a 404 problem when none is published.</summary>
    public Task<Answer<Agenda>> PublishedAgendaAsync(string slug, CancellationToken ct) => CallAsync<Agenda>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/agenda", ct: ct);

    public Task<Answer<Agenda>> AgendaVersionAsync(string slug, int version, CancellationToken ct) =>
        CallAsync<Agenda>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/agenda?version={version}", ct: ct);

    /// <summary>The published version in force at an instant (UTC, ISO 8601); a 404 problem when none was published yet.</summary>
    public Task<Answer<Agenda>> AgendaAsOfAsync(string slug, string instant, CancellationToken ct) =>
        CallAsync<Agenda>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/agenda?asOf={Uri.EscapeDataString(instant)}", ct: ct);

    public Task<Answer<Session>> SessionAsync(string slug, Guid id, CancellationToken ct) => CallAsync<Session>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/sessions/{id}", ct: ct);

    public Task<Answer<Room>> AddRoomAsync(string slug, RoomRequest request, CancellationToken ct) => CallAsync<Room>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/rooms", request, ct: ct);

    public Task<Answer<Session>> ScheduleAsync(string slug, SessionRequest request, CancellationToken ct) =>
        CallAsync<Session>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/sessions", request, ct: ct);

    public Task<Answer<Session>> ChangeAsync(string slug, Guid id, SessionRequest request, long revision, CancellationToken ct) =>
        CallAsync<Session>(HttpMethod.Put, $"api/conferences/{Slug(slug)}/sessions/{id}", request, revision, ct);

    public Task<Answer<Session>> CancelSessionAsync(string slug, Guid id, string? reason, long revision, CancellationToken ct) =>
        CallAsync<Session>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/sessions/{id}/cancel", new ReasonRequest(reason), revision, ct);

    /// <summary>Takes a cancellation back: the session is held again as planned, if its room and people are still free.</summary>
    public Task<Answer<Session>> ReinstateSessionAsync(string slug, Guid id, long revision, CancellationToken ct) =>
        CallAsync<Session>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/sessions/{id}/reinstate", version: revision, ct: ct);

    public Task<Answer<PendingAgenda>> PendingAsync(string slug, CancellationToken ct) => CallAsync<PendingAgenda>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/agenda/pending", ct: ct);

    public Task<Answer<PublishedVersion>> PublishAgendaAsync(string slug, CancellationToken ct) => CallAsync<PublishedVersion>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/agenda/publish", ct: ct);

    public Task<Answer<AgendaChanges>> ChangesAsync(string slug, int from, int to, CancellationToken ct) =>
        CallAsync<AgendaChanges>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/agenda/changes?from={from}&to={to}", ct: ct);

    /// <summary>Fixes a ministerial session's tour de table (If-Match: the session's revision); answers the order as it then stands.</summary>
    public Task<Answer<List<SpeakerTurn>>> FixSpeakingOrderAsync(string slug, Guid id, IReadOnlyList<Guid> order, long revision, CancellationToken ct) =>
        CallAsync<List<SpeakerTurn>>(HttpMethod.Put, $"api/conferences/{Slug(slug)}/sessions/{id}/speaking-order", new SpeakingOrderRequest(order), revision, ct);

    /// <summary>The conference's mails, of one state (Waiting, Sent, Dead, Dropped) or all.</summary>
    public Task<Answer<List<MailItem>>> MailAsync(string slug, string? state, CancellationToken ct) =>
        CallAsync<List<MailItem>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/mail" + (state is null ? "" : $"?state={Uri.EscapeDataString(state)}"), ct: ct);

    /// <summary>Sends a dead mail again, from its first attempt (204); a 404 problem when it is not dead (any more).</summary>
    public Task<Answer<MailItem>> RetryMailAsync(string slug, Guid id, CancellationToken ct) =>
        CallAsync<MailItem>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/mail/{id}/retry", ct: ct);

    public Task<Answer<List<HistoryEntry>>> HistoryAsync(string slug, CancellationToken ct) => CallAsync<List<HistoryEntry>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/history", ct: ct);

    public Task<Answer<List<DeclarationEntry>>> DeclarationsAsync(string slug, CancellationToken ct) =>
        CallAsync<List<DeclarationEntry>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/declarations", ct: ct);

    /// <summary>The declaration at its latest draft, or at draft <paramref name="version"/>.</summary>
    public Task<Answer<Declaration>> DeclarationAsync(Guid id, int? version, CancellationToken ct) =>
        CallAsync<Declaration>(HttpMethod.Get, version is { } v ? $"api/declarations/{id}?version={v}" : $"api/declarations/{id}", ct: ct);

    public Task<Answer<Declaration>> DraftDeclarationAsync(string slug, DraftDeclarationRequest request, CancellationToken ct) =>
        CallAsync<Declaration>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/declarations", request, ct: ct);

    public Task<Answer<Declaration>> RedraftDeclarationAsync(Guid id, DraftDeclarationRequest request, long version, CancellationToken ct) =>
        CallAsync<Declaration>(HttpMethod.Put, $"api/declarations/{id}", request, version, ct);

    public Task<Answer<DraftChanges>> DeclarationChangesAsync(Guid id, int from, int to, CancellationToken ct) =>
        CallAsync<DraftChanges>(HttpMethod.Get, $"api/declarations/{id}/changes?from={from}&to={to}", ct: ct);

    public Task<Answer<Declaration>> AdoptDeclarationAsync(Guid id, long version, CancellationToken ct) =>
        CallAsync<Declaration>(HttpMethod.Post, $"api/declarations/{id}/adopt", version: version, ct: ct);

    public Task<Answer<Declaration>> OpenForSignatureAsync(Guid id, Guid? sessionId, long version, CancellationToken ct) =>
        CallAsync<Declaration>(HttpMethod.Post, $"api/declarations/{id}/open-for-signature", new OpenForSignatureRequest(sessionId), version, ct);

    public Task<Answer<SignatoryRegister>> SignatoriesAsync(Guid id, CancellationToken ct) =>
        CallAsync<SignatoryRegister>(HttpMethod.Get, $"api/declarations/{id}/signatories", ct: ct);

    /// <summary>Every year since adoption side by side, in the organisers' view (who has and has not reported).</summary>
    public Task<Answer<ProgressYears>> ProgressAsync(Guid id, CancellationToken ct) =>
        CallAsync<ProgressYears>(HttpMethod.Get, $"api/declarations/{id}/progress", ct: ct);
}
