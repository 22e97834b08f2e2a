using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Agenda;

public sealed record RoomRequest(string? Name, int? Capacity, IReadOnlyList<string>? Interpretation);

public sealed record SessionRequest(
    string? Kind,
    string? Title,
    string? Description,
    Guid? RoomId,
    string? Start,
    string? End,
    string? Chair,
    IReadOnlyList<string>? Speakers,
    bool? IsPublic,
    int? ExpectedAttendance,
    bool? Listed = null);

public sealed record CancelSessionRequest(string? Reason);

/// <summary>What publishing now would change (From: the latest published version, null before the first) and whose seats it touches.</summary>
public sealed record PendingAgenda(int? From, IReadOnlyList<SessionChange> Sessions, int Delegations, int Members);

/// <summary>The agenda commands and reads, used alike by the endpoints and the demo seeding.</summary>
public sealed class AgendaService
{
    /// <summary>How long a public read may trust what it learnt of a conference written by another process.</summary>
    private static readonly TimeSpan HeadTimeToLive = TimeSpan.FromSeconds(1);

    private static readonly LocalDateTimePattern Minutes = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");
    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();

    // Published renderings never change: keep their bytes, keyed by store schema, conference, version and rendering.
    private readonly ConcurrentDictionary<string, byte[]> published = new(StringComparer.Ordinal);

    // What public reads need before the bytes: is the conference public, which version is the latest.
    private readonly ConcurrentDictionary<string, (bool Visible, PublishedVersion? Latest, long Until)> heads = new(StringComparer.Ordinal);
    private readonly EventStreamWriter writer;
    private readonly ConferenceService conferences;
    private readonly Delegations.DelegationService delegations;
    private readonly TimeProvider time;

    public AgendaService(EventStreamWriter writer, ConferenceService conferences, Delegations.DelegationService delegations, TimeProvider time)
    {
        this.writer = writer;
        this.conferences = conferences;
        this.delegations = delegations;
        this.time = time;

        // A write in this process is seen at once by its next read; other processes' writes within a second.
        writer.Store.Appended += _ => heads.Clear();
    }

    /// <summary>For anonymous reads: whether the conference is public and its latest published version (cached briefly).</summary>
    public async Task<(bool Visible, PublishedVersion? Latest)> PublicHeadAsync(string slug, CancellationToken ct)
    {
        if (heads.TryGetValue(slug, out var head) && time.GetTimestamp() < head.Until)
        {
            return (head.Visible, head.Latest);
        }

        var conference = await conferences.GetAsync(slug, ct);
        var latest = conference is { IsPublic: true } ? await LatestAsync(slug, ct) : null;
        var until = time.GetTimestamp() + (long)(HeadTimeToLive.TotalSeconds * time.TimestampFrequency);
        heads[slug] = (conference is { IsPublic: true }, latest, until);
        return (conference is { IsPublic: true }, latest);
    }

    private EventStore.EventStore Store => writer.Store;

    public async Task<RoomView> AddRoomAsync(string slug, RoomRequest request, string actor, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(!string.IsNullOrWhiteSpace(request.Name), "name", "A room has a name.");
        v.Require(request.Capacity is > 0, "capacity", "A room holds at least one person.");
        v.Require(request.Interpretation is null || request.Interpretation.All(l => l is { Length: 2 or 3 } && l.All(char.IsAsciiLetterLower)), "interpretation", "Interpretation languages are ISO 639 codes, such as en or fr.");
        v.ThrowIfInvalid();
        var id = Guid.CreateVersion7();
        var (state, _) = await HandleAsync(slug, c => new AgendaCommand.AddRoom(c, id, request.Name!.Trim(), request.Capacity!.Value, request.Interpretation?.Distinct().ToList() ?? []), actor, null, ct);
        var room = state.Rooms.Single(r => r.Id == id);
        return new RoomView(room.Id, room.Name, room.Capacity, room.Interpretation);
    }

    public async Task<SessionView> ScheduleAsync(string slug, SessionRequest request, string actor, CancellationToken ct)
    {
        var plan = Validate(request);
        var id = Guid.CreateVersion7();
        return await SessionAfterAsync(slug, id, c => new AgendaCommand.ScheduleSession(c, id, plan), actor, null, ct);
    }

    public Task<SessionView> ChangeAsync(string slug, Guid id, SessionRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var plan = Validate(request);
        return SessionAfterAsync(slug, id, c => new AgendaCommand.ChangeSession(c, id, plan, ifMatch), actor, null, ct);
    }

    public Task<SessionView> CancelAsync(string slug, Guid id, string? reason, long? ifMatch, string actor, CancellationToken ct)
    {
        new Validator().Require(!string.IsNullOrWhiteSpace(reason), "reason", "Say why the session is cancelled.").ThrowIfInvalid();
        return SessionAfterAsync(slug, id, c => new AgendaCommand.CancelSession(c, id, reason!.Trim(), ifMatch), actor, reason!.Trim(), ct);
    }

    public Task<SessionView> ReinstateAsync(string slug, Guid id, long? ifMatch, string actor, CancellationToken ct) =>
        SessionAfterAsync(slug, id, c => new AgendaCommand.ReinstateSession(c, id, ifMatch), actor, null, ct);

    public async Task<PublishedVersion> PublishAsync(string slug, string actor, CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        // The tour de table of each ministerial session is published as it stands now.
        var (working, _) = await WorkingAsync(slug, null, ct);
        var tours = await delegations.TourDeTableAsync(slug, working, ct);
        var (state, _) = await HandleAsync(slug, c => new AgendaCommand.PublishAgenda(c, now, tours), actor, null, ct);
        return new PublishedVersion(state.PublishedVersion, state.PublishedAt!.Value);
    }

    /// <summary>The working agenda (what organisers are editing), now or as it stood at an instant.</summary>
    public async Task<(AgendaState State, ConferenceScheduled Conference)> WorkingAsync(string slug, Instant? asOf, CancellationToken ct)
    {
        var conference = await Store.Documents.LoadAsync<ConferenceScheduled>(AgendaProjection.ProjectionName, AgendaProjection.ConferenceId(slug), ct)
            ?? throw ProblemException.NotFound($"conference '{slug}'");
        if (asOf is null)
        {
            var current = await Store.Documents.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct);
            return (current ?? AgendaState.Empty, conference);
        }

        var (state, _) = await Store.AggregateAsync(AgendaState.StreamId(slug), AgendaState.Empty, AgendaDecider.Instance.Evolve, asOf: asOf.Value.ToDateTimeOffset(), ct: ct);
        return (state, conference);
    }

    public async Task<SessionView> GetSessionAsync(string slug, Guid id, CancellationToken ct)
    {
        var (state, conference) = await WorkingAsync(slug, null, ct);
        return SessionView(state, DateTimeZoneProviders.Tzdb[conference.TimeZone], id);
    }

    public Task<PublishedVersion?> LatestAsync(string slug, CancellationToken ct) =>
        Store.Documents.LoadAsync<PublishedVersion>(AgendaProjection.ProjectionName, AgendaProjection.LatestId(slug), ct);

    /// <summary>The published version in force at an instant (0 when none was yet).</summary>
    public async Task<int> VersionAtAsync(string slug, Instant instant, CancellationToken ct)
    {
        var (state, _) = await Store.AggregateAsync(AgendaState.StreamId(slug), AgendaState.Empty, AgendaDecider.Instance.Evolve, asOf: instant.ToDateTimeOffset(), ct: ct);
        return state.PublishedVersion;
    }

    /// <summary>A stored rendering of a published version, as the bytes to send; null when that version does not exist.</summary>
    public async Task<byte[]?> RenderingAsync(string slug, int version, string rendering, CancellationToken ct)
    {
        var key = $"{Store.SchemaName}/{slug}/{version}/{rendering}";
        if (published.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var document = await Store.Documents.LoadAsync<RenderedDocument>(AgendaProjection.ProjectionName, AgendaProjection.RenderingId(slug, version, rendering), ct);
        if (document is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(document.Body);
        if (published.Count > 512)
        {
            published.Clear();
        }

        published[key] = bytes;
        return bytes;
    }

    /// <summary>The agenda with each tour de table's speakers opened (names and functions, or erased): for organisers.</summary>
    public async Task<AgendaView> WithOpenedToursAsync(AgendaView view, CancellationToken ct)
    {
        var opened = new Dictionary<Guid, IReadOnlyList<SpeakerTurn>>();
        foreach (var session in view.AllSessions.Where(s => s.TourDeTable is { Count: > 0 }))
        {
            opened[session.Id] = await delegations.OpenAsync(session.TourDeTable!, ct);
        }

        return opened.Count == 0 ? view : view.MapSessions(s => opened.TryGetValue(s.Id, out var tour) ? s with { TourDeTable = tour } : s);
    }

    /// <summary>The working agenda as organisers see it, with the tours de table as they stand now.</summary>
    public async Task<AgendaView> WorkingViewAsync(string slug, Instant? asOf, CancellationToken ct)
    {
        var (state, conference) = await WorkingAsync(slug, asOf, ct);
        var tours = asOf is null ? await delegations.TourDeTableAsync(slug, state, ct) : null;
        return await WithOpenedToursAsync(AgendaRenderer.Render(conference, state, AgendaVariant.Full, null, null, tours), ct);
    }

    /// <summary>
    /// What publishing now would change against the latest published version (every session, for the first), and how many
    /// delegations and members hold or wait for a seat in the sessions it changes (a cancelled one's included): those the digest mail will reach.
    /// </summary>
    public async Task<PendingAgenda> PendingAsync(string slug, CancellationToken ct)
    {
        var latest = await LatestAsync(slug, ct);
        var working = await WorkingViewAsync(slug, null, ct);
        var before = latest is null ? null : await PublishedViewAsync(slug, latest.Version, AgendaVariant.Full, ct);
        static AgendaView WithoutTours(AgendaView view) => view.MapSessions(s => s with { TourDeTable = null });
        var changes = AgendaDiff.Between(WithoutTours(before ?? working with { Days = [] }), WithoutTours(working)).Sessions.ToList();
        var changed = changes.Select(c => c.SessionId).ToHashSet();

        // A new tour de table is news for the organisers' version too (the attendees' digest does not tell of it).
        static IReadOnlyDictionary<Guid, IReadOnlyList<Guid>> Speakers(AgendaView? view) =>
            AgendaDecider.Speakers(view?.AllSessions.ToDictionary(s => s.Id, s => s.TourDeTable ?? (IReadOnlyList<SpeakerTurn>)[]));
        var (was, now) = (Speakers(before), Speakers(working));
        foreach (var session in working.AllSessions)
        {
            var (hadTour, hasTour) = (was.TryGetValue(session.Id, out var a), now.TryGetValue(session.Id, out var b));
            if (hadTour == hasTour && (!hasTour || a!.SequenceEqual(b!)))
            {
                continue;
            }

            var i = changes.FindIndex(c => c.SessionId == session.Id);
            var change = i < 0 ? new SessionChange(session.Id, session.Number, session.Title, [], null, session with { TourDeTable = null }) : changes[i];
            change = change with { Changes = [.. change.Changes, "tour-de-table"] };
            if (i < 0)
            {
                changes.Add(change);
            }
            else
            {
                changes[i] = change;
            }
        }

        var touched = (await delegations.ListAsync(slug, ct))
            .Select(d => d.Members.Count(m => m.Seats.Any(s => changed.Contains(s.SessionId))))
            .Where(members => members > 0)
            .ToList();
        return new PendingAgenda(latest?.Version, changes, touched.Count, touched.Sum());
    }

    /// <summary>The agenda's version, the board's ETag: null before the conference's first room.</summary>
    public async Task<long?> BoardVersionAsync(string slug, CancellationToken ct) =>
        (await Store.Documents.LoadAsync<AgendaBoardVersion>(AgendaBoardProjection.ProjectionName, AgendaBoardProjection.VersionId(slug), ct))?.Version;

    /// <summary>
    /// One day of the working agenda for the board (the first day when none is asked), each session marked with what
    /// changed since the latest published version and who changed it last. <paramref name="version"/> is the one read
    /// before it: read first, it is never newer than what it is sent with, so a cache keyed by it cannot keep a stale board.
    /// </summary>
    public async Task<AgendaBoard> BoardAsync(string slug, LocalDate? day, long version, CancellationToken ct)
    {
        var (state, conference) = await WorkingAsync(slug, null, ct);
        var date = day ?? conference.FirstDay;
        if (date < conference.FirstDay || date > conference.LastDay)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["day"] = [$"The conference runs from {conference.FirstDay:uuuu-MM-dd} to {conference.LastDay:uuuu-MM-dd}."] });
        }

        var authors = await Store.Documents.LoadAsync<AgendaBoardAuthors>(AgendaBoardProjection.ProjectionName, AgendaBoardProjection.AuthorsId(slug), ct);
        var latest = await LatestAsync(slug, ct);
        var before = latest is null ? null : await PublishedViewAsync(slug, latest.Version, AgendaVariant.Full, ct);
        var was = before?.AllSessions.ToDictionary(s => s.Id) ?? [];
        var zone = DateTimeZoneProviders.Tzdb[conference.TimeZone];
        var rooms = state.Rooms.ToDictionary(r => r.Id);
        var sessions = state.Sessions.Values
            .Where(s => s.Plan.Start.Date == date)
            .Select(s => AgendaRenderer.View(s, rooms[s.Plan.RoomId].Name, zone))
            .OrderBy(s => s.StartUtc).ThenBy(s => s.Number)
            .Select(s =>
            {
                var last = authors?.Sessions.GetValueOrDefault(s.Id);
                return new BoardSession(s, AgendaBoardProjection.ChangeSince(was, s), last?.Actor, last?.At);
            })
            .ToList();
        return new AgendaBoard(
            conference.Slug, conference.Title, conference.TimeZone, conference.FirstDay, conference.LastDay, date, latest?.Version, version,
            state.Rooms.Select(r => new RoomView(r.Id, r.Name, r.Capacity, r.Interpretation)).ToList(), sessions);
    }

    public async Task<AgendaView?> PublishedViewAsync(string slug, int version, AgendaVariant variant, CancellationToken ct)
    {
        var bytes = await RenderingAsync(slug, version, AgendaProjection.AgendaRendering(variant), ct);
        return bytes is null ? null : JsonSerializer.Deserialize<AgendaView>(bytes, JsonOptions);
    }

    private async Task<SessionView> SessionAfterAsync(string slug, Guid id, Func<Conference, AgendaCommand> command, string actor, string? reason, CancellationToken ct)
    {
        var (state, conference) = await HandleAsync(slug, command, actor, reason, ct);
        return SessionView(state, conference.Zone, id);
    }

    /// <summary>
    /// Agenda writes share one stream per conference, so that its rules hold together. Two organisers editing
    /// different sessions at once are not a conflict: the loser decides again on the fresh agenda (its
    /// session's If-Match is checked again too) and only a real conflict is refused.
    /// </summary>
    private async Task<(AgendaState State, Conference Conference)> HandleAsync(string slug, Func<Conference, AgendaCommand> command, string actor, string? reason, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (conference, _) = await conferences.LoadAsync(slug, ct);
            try
            {
                var (state, _) = await writer.HandleAsync(AgendaDecider.Instance, AgendaState.StreamId(slug), command(conference), actor, ifMatch: null, reason, ct);
                return (state, conference);
            }
            catch (ConcurrencyException) when (attempt < 16)
            {
                // Spread the retries of writers that collided, so they do not collide again in step.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5 * attempt)), time, ct);
            }
        }
    }

    private static SessionView SessionView(AgendaState state, DateTimeZone zone, Guid id)
    {
        if (!state.Sessions.TryGetValue(id, out var session))
        {
            throw ProblemException.NotFound("such session");
        }

        return AgendaRenderer.View(session, state.Rooms.Single(r => r.Id == session.Plan.RoomId).Name, zone);
    }

    private static SessionPlan Validate(SessionRequest r)
    {
        var v = new Validator();
        var kindOk = Enum.TryParse<SessionKind>(r.Kind, ignoreCase: false, out var kind) && Enum.IsDefined(kind);
        v.Require(kindOk, "kind", $"The kind is one of {string.Join(", ", Enum.GetNames<SessionKind>())}.");
        v.Require(!string.IsNullOrWhiteSpace(r.Title), "title", "A session has a title.");
        v.Require(r.RoomId is not null, "roomId", "A session takes place in a room.");
        var start = ParseLocal(v, "start", r.Start);
        var end = ParseLocal(v, "end", r.End);
        if (start is { } s && end is { } e)
        {
            v.Require(e > s, "end", "A session ends after it starts.");
        }

        v.Require(r.Speakers is null || r.Speakers.All(x => !string.IsNullOrWhiteSpace(x)), "speakers", "A speaker has a name.");
        v.Require(r.ExpectedAttendance is null or > 0, "expectedAttendance", "Expected attendance is a positive number.");
        v.Require(r.IsPublic is not null, "isPublic", "Say whether the session is public or closed.");
        v.Require(!(kind == SessionKind.Ministerial && r.IsPublic == true), "isPublic", "Ministerial sessions are closed.");
        v.Require(!(r.Listed == false && r.IsPublic == true), "listed", "A public session is always listed; only a closed one can be left out of public renderings.");
        v.ThrowIfInvalid();
        return new SessionPlan(
            kind, r.Title!.Trim(), string.IsNullOrWhiteSpace(r.Description) ? null : r.Description.Trim(), r.RoomId!.Value, start!.Value, end!.Value,
            string.IsNullOrWhiteSpace(r.Chair) ? null : r.Chair.Trim(), r.Speakers?.Select(x => x.Trim()).Distinct().ToList() ?? [], r.IsPublic!.Value, r.ExpectedAttendance, r.Listed ?? true);
    }

    private static LocalDateTime? ParseLocal(Validator v, string field, string? text)
    {
        var minutes = Minutes.Parse(text ?? "");
        var parsed = minutes.Success ? minutes : LocalDateTimePattern.ExtendedIso.Parse(text ?? "");
        v.Require(parsed.Success, field, "A local time is written yyyy-MM-ddTHH:mm, in the conference's time zone.");
        return parsed.Success ? parsed.Value : null;
    }
}
