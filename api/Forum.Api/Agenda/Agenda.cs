using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using NodaTime;
using NodaTime.TimeZones;

namespace Forum.Api.Agenda;

public sealed record Room(Guid Id, string Name, int Capacity, IReadOnlyList<string> Interpretation);

public sealed record Session(
    Guid Id,
    int Number,
    SessionPlan Plan,
    SessionStatus Status = SessionStatus.Scheduled,
    string? CancellationReason = null,
    long Revision = 1,
    IReadOnlyList<Guid>? SpeakingOrder = null)
{
    public static string NormalizePerson(string name) => string.Join(' ', name.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
}

/// <summary>The agenda of one conference: its rooms and sessions, in one stream so that its rules hold together.</summary>
public sealed record AgendaState(
    IReadOnlyList<Room> Rooms,
    IReadOnlyDictionary<Guid, Session> Sessions,
    int PublishedVersion,
    Instant? PublishedAt,
    bool ChangedSincePublished,
    IReadOnlyDictionary<Guid, IReadOnlyList<Guid>>? PublishedSpeakers = null)
{
    public static AgendaState Empty { get; } = new([], new Dictionary<Guid, Session>(), 0, null, false);

    public static string StreamId(string conferenceSlug) => $"agenda-{conferenceSlug}";
}

/// <summary>What a session is meant to be, as a schedule or change asks for it. A closed session is still listed publicly unless Listed is false.</summary>
public sealed record SessionPlan(
    SessionKind Kind,
    string Title,
    string? Description,
    Guid RoomId,
    LocalDateTime Start,
    LocalDateTime End,
    string? Chair,
    IReadOnlyList<string> Speakers,
    bool IsPublic,
    int? ExpectedAttendance,
    bool Listed = true)
{
    /// <summary>Chair and speakers, each once, as compared for double booking.</summary>
    public IEnumerable<string> People => (Chair is null ? Speakers : Speakers.Prepend(Chair)).Select(Session.NormalizePerson).Distinct();

    /// <summary>The name as written of a person compared as <paramref name="normalized"/>.</summary>
    public string NameOf(string normalized) => (Chair is null ? Speakers : Speakers.Prepend(Chair)).First(p => Session.NormalizePerson(p) == normalized);
}

public abstract record AgendaCommand(Conference Conference)
{
    public sealed record AddRoom(Conference Conference, Guid RoomId, string Name, int Capacity, IReadOnlyList<string> Interpretation) : AgendaCommand(Conference);

    public sealed record ScheduleSession(Conference Conference, Guid SessionId, SessionPlan Plan) : AgendaCommand(Conference);

    public sealed record ChangeSession(Conference Conference, Guid SessionId, SessionPlan Plan, long? IfMatch) : AgendaCommand(Conference);

    public sealed record CancelSession(Conference Conference, Guid SessionId, string Reason, long? IfMatch) : AgendaCommand(Conference);

    public sealed record ReinstateSession(Conference Conference, Guid SessionId, long? IfMatch) : AgendaCommand(Conference);

    public sealed record PublishAgenda(Conference Conference, Instant Now, IReadOnlyDictionary<Guid, IReadOnlyList<SpeakerTurn>> TourDeTable) : AgendaCommand(Conference);
}

public sealed class AgendaDecider : IDecider<AgendaState, AgendaCommand>
{
    public static AgendaDecider Instance { get; } = new();

    // Of two instants a local time can mean when clocks go back, take the earlier; a time clocks skip is refused.
    private static readonly ZoneLocalMappingResolver Resolver = Resolvers.CreateMappingResolver(
        Resolvers.ReturnEarlier, (local, zone, _, _) => throw new SkippedTimeException(local, zone));

    public string StreamType => "agenda";

    public AgendaState Initial => AgendaState.Empty;

    /// <summary>The instant a local time of the conference means, or a 422 when clocks skip it that day.</summary>
    public static Instant ToInstant(LocalDateTime local, DateTimeZone zone)
    {
        try
        {
            return zone.ResolveLocal(local, Resolver).ToInstant();
        }
        catch (SkippedTimeException)
        {
            throw ProblemException.Unprocessable(
                "nonexistent_local_time",
                $"{local:uuuu'-'MM'-'dd HH':'mm} does not exist in {zone.Id}: the clocks skip it that day.");
        }
    }

    public IReadOnlyList<object> Decide(AgendaCommand command, AgendaState state)
    {
        if (!command.Conference.AcceptsAgendaChanges)
        {
            throw ProblemException.Conflict("conference_closed", $"The conference is {command.Conference.Status}: its agenda can no longer change.");
        }

        return command switch
        {
            AgendaCommand.AddRoom c => AddRoom(c, state),
            AgendaCommand.ScheduleSession c => Schedule(c, state),
            AgendaCommand.ChangeSession c => Change(c, state),
            AgendaCommand.CancelSession c => Cancel(c, state),
            AgendaCommand.ReinstateSession c => Reinstate(c, state),
            // The tours de table change as delegations take seats, without any change to the agenda: they too are news.
            AgendaCommand.PublishAgenda c => state.ChangedSincePublished || !SameSpeakers(state.PublishedSpeakers, Speakers(c.TourDeTable))
                ? [new AgendaPublished(state.PublishedVersion + 1, c.Now, c.TourDeTable)]
                : throw ProblemException.Conflict("agenda_unchanged", $"Nothing changed since version {state.PublishedVersion} was published."),
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
    }

    private static IReadOnlyList<object> AddRoom(AgendaCommand.AddRoom c, AgendaState state)
    {
        if (state.Rooms.Any(r => string.Equals(r.Name, c.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw ProblemException.Conflict("room_exists", $"The conference already has a room named '{c.Name}'.");
        }

        return [new RoomAdded(c.RoomId, c.Name, c.Capacity, c.Interpretation)];
    }

    private static IReadOnlyList<object> Schedule(AgendaCommand.ScheduleSession c, AgendaState state)
    {
        Check(c.Conference, state, c.SessionId, c.Plan);
        var number = state.Sessions.Count == 0 ? 1 : state.Sessions.Values.Max(s => s.Number) + 1;
        return [new SessionScheduled(c.SessionId, number, c.Plan)];
    }

    private static List<object> Change(AgendaCommand.ChangeSession c, AgendaState state)
    {
        var session = Existing(state, c.SessionId, c.IfMatch);
        Check(c.Conference, state, c.SessionId, c.Plan);
        var (p, was) = (c.Plan, session.Plan);
        var events = new List<object>();
        if (p.Start != was.Start || p.End != was.End)
        {
            events.Add(new SessionMoved(session.Id, p.Start, p.End));
        }

        if (p.RoomId != was.RoomId)
        {
            events.Add(new SessionRoomChanged(session.Id, p.RoomId));
        }

        if (p.Title != was.Title)
        {
            events.Add(new SessionRenamed(session.Id, p.Title));
        }

        if (p.Kind != was.Kind || p.Description != was.Description || p.Chair != was.Chair || !p.Speakers.SequenceEqual(was.Speakers)
            || p.IsPublic != was.IsPublic || p.ExpectedAttendance != was.ExpectedAttendance || p.Listed != was.Listed)
        {
            events.Add(new SessionDetailsChanged(session.Id, p.Kind, p.Description, p.Chair, p.Speakers, p.IsPublic, p.ExpectedAttendance, p.Listed));
        }

        return events;
    }

    private static IReadOnlyList<object> Cancel(AgendaCommand.CancelSession c, AgendaState state)
    {
        var session = Existing(state, c.SessionId, c.IfMatch);
        return [new SessionCancelled(session.Id, c.Reason)];
    }

    /// <summary>A cancellation taken back: the session is held again, as it was planned, if its room and people are still free then.</summary>
    private static IReadOnlyList<object> Reinstate(AgendaCommand.ReinstateSession c, AgendaState state)
    {
        if (!state.Sessions.TryGetValue(c.SessionId, out var session))
        {
            throw ProblemException.NotFound("such session");
        }

        ETags.RequireMatch(c.IfMatch, session.Revision, "the session");
        if (session.Status != SessionStatus.Cancelled)
        {
            throw ProblemException.Conflict("session_not_cancelled", $"'{session.Plan.Title}' is not cancelled.");
        }

        Check(c.Conference, state, session.Id, session.Plan);
        return [new SessionReinstated(session.Id)];
    }

    private static Session Existing(AgendaState state, Guid id, long? ifMatch)
    {
        if (!state.Sessions.TryGetValue(id, out var session))
        {
            throw ProblemException.NotFound("such session");
        }

        ETags.RequireMatch(ifMatch, session.Revision, "the session");

        if (session.Status == SessionStatus.Cancelled)
        {
            throw ProblemException.Conflict("session_cancelled", $"'{session.Plan.Title}' was cancelled; schedule a new session instead.");
        }

        return session;
    }

    /// <summary>The rules no organiser can break; each refusal names what it conflicts with.</summary>
    private static void Check(Conference conference, AgendaState state, Guid sessionId, SessionPlan plan)
    {
        var zone = conference.Zone;
        if (plan.Start.Date < conference.FirstDay || plan.End > conference.LastDay.PlusDays(1).AtMidnight())
        {
            throw ProblemException.Unprocessable(
                "outside_conference",
                $"The conference runs from {conference.FirstDay:uuuu'-'MM'-'dd} to {conference.LastDay:uuuu'-'MM'-'dd}; the session must lie within those days.");
        }

        var start = ToInstant(plan.Start, zone);
        var end = ToInstant(plan.End, zone);
        if (end <= start)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["end"] = ["A session ends after it starts."] });
        }

        var room = state.Rooms.FirstOrDefault(r => r.Id == plan.RoomId)
            ?? throw ProblemException.Unprocessable("unknown_room", "The conference has no such room; add it first.");
        if (plan.ExpectedAttendance is { } expected && expected > room.Capacity)
        {
            throw ProblemException.Unprocessable(
                "room_too_small",
                $"{room.Name} holds {room.Capacity}; {expected} are expected.",
                new Dictionary<string, object?> { ["roomCapacity"] = room.Capacity });
        }

        var people = plan.People.ToHashSet();
        foreach (var other in state.Sessions.Values.Where(s => s.Id != sessionId && s.Status == SessionStatus.Scheduled).OrderBy(s => s.Plan.Start))
        {
            var overlaps = ToInstant(other.Plan.Start, zone) < end && start < ToInstant(other.Plan.End, zone);
            if (!overlaps)
            {
                continue;
            }

            if (other.Plan.RoomId == plan.RoomId)
            {
                throw ProblemException.Conflict("room_double_booked", $"{room.Name} is taken by '{other.Plan.Title}' at that time.", Conflicting(other));
            }

            var shared = other.Plan.People.FirstOrDefault(people.Contains);
            if (shared is not null)
            {
                var name = other.Plan.NameOf(shared);
                throw ProblemException.Conflict("person_double_booked", $"{name} is already in '{other.Plan.Title}' at that time.", Conflicting(other, name));
            }
        }
    }

    private static Dictionary<string, object?> Conflicting(Session other, string? person = null)
    {
        var extensions = new Dictionary<string, object?>
        {
            ["conflictingSession"] = new { id = other.Id, title = other.Plan.Title, start = other.Plan.Start.ToString("uuuu'-'MM'-'dd'T'HH':'mm", null), end = other.Plan.End.ToString("uuuu'-'MM'-'dd'T'HH':'mm", null) },
        };
        if (person is not null)
        {
            extensions["person"] = person;
        }

        return extensions;
    }

    public AgendaState Evolve(AgendaState state, object change) => change switch
    {
        RoomAdded r => state with { Rooms = [.. state.Rooms, new Room(r.RoomId, r.Name, r.Capacity, r.Interpretation)] },
        SessionScheduled s => WithSession(state, new Session(s.SessionId, s.Number, s.Plan, SpeakingOrder: [])),
        SessionMoved m => Revise(state, m.SessionId, s => s with { Plan = s.Plan with { Start = m.Start, End = m.End } }),
        SessionRoomChanged r => Revise(state, r.SessionId, s => s with { Plan = s.Plan with { RoomId = r.RoomId } }),
        SessionRenamed r => Revise(state, r.SessionId, s => s with { Plan = s.Plan with { Title = r.Title } }),
        SessionDetailsChanged d => Revise(state, d.SessionId, s => s with
        {
            Plan = s.Plan with { Kind = d.Kind, Description = d.Description, Chair = d.Chair, Speakers = d.Speakers, IsPublic = d.IsPublic, ExpectedAttendance = d.ExpectedAttendance, Listed = d.Listed },
        }),
        SessionCancelled c => Revise(state, c.SessionId, s => s with { Status = SessionStatus.Cancelled, CancellationReason = c.Reason }),
        SessionReinstated r => Revise(state, r.SessionId, s => s with { Status = SessionStatus.Scheduled, CancellationReason = null }),
        SpeakingOrderFixed f => Revise(state, f.SessionId, s => s with { SpeakingOrder = f.DelegationIds }),
        SpeakingOrderJoined j => Revise(state, j.SessionId, s => s with { SpeakingOrder = [.. (s.SpeakingOrder ?? []).Where(d => d != j.DelegationId), j.DelegationId] }),
        SpeakingOrderLeft l => Revise(state, l.SessionId, s => s with { SpeakingOrder = (s.SpeakingOrder ?? []).Where(d => d != l.DelegationId).ToList() }),
        AgendaPublished p => state with { PublishedVersion = p.Version, PublishedAt = p.PublishedAt, ChangedSincePublished = false, PublishedSpeakers = Speakers(p.TourDeTable) },
        _ => state,
    };

    /// <summary>Who speaks, in turn, in each session with a tour de table (the members; names are opened only to be shown).</summary>
    public static IReadOnlyDictionary<Guid, IReadOnlyList<Guid>> Speakers(IReadOnlyDictionary<Guid, IReadOnlyList<SpeakerTurn>>? tours) =>
        (tours ?? new Dictionary<Guid, IReadOnlyList<SpeakerTurn>>()).Where(t => t.Value.Count > 0)
            .ToDictionary(t => t.Key, t => (IReadOnlyList<Guid>)t.Value.OrderBy(turn => turn.Turn).Select(turn => turn.MemberId).ToList());

    /// <summary>Whether two tours de table name the same speakers in the same order (none published counts as empty).</summary>
    public static bool SameSpeakers(IReadOnlyDictionary<Guid, IReadOnlyList<Guid>>? published, IReadOnlyDictionary<Guid, IReadOnlyList<Guid>> now) =>
        (published?.Count ?? 0) == now.Count && now.All(t => published!.TryGetValue(t.Key, out var was) && was.SequenceEqual(t.Value));

    private static AgendaState WithSession(AgendaState state, Session session) =>
        state with { Sessions = new Dictionary<Guid, Session>(state.Sessions) { [session.Id] = session }, ChangedSincePublished = true };

    private static AgendaState Revise(AgendaState state, Guid id, Func<Session, Session> change) =>
        state.Sessions.TryGetValue(id, out var session) ? WithSession(state, change(session) with { Revision = session.Revision + 1 }) : state;
}
