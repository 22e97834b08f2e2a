using NodaTime;

namespace Forum.Api.Agenda;

public enum SessionKind
{
    Plenary,
    Ministerial,
    Panel,
    Workshop,
    SigningCeremony,
    PressConference,
    SideEvent,
    Break,
    Social,
}

public enum SessionStatus
{
    Scheduled,
    Cancelled,
}

/// <summary>The agenda as shown: sessions by day and room. Version is the published version (null for the working draft).</summary>
public sealed record AgendaView(
    string ConferenceSlug,
    string Title,
    string TimeZone,
    LocalDate FirstDay,
    LocalDate LastDay,
    int? Version,
    Instant? PublishedAt,
    IReadOnlyList<RoomView> Rooms,
    IReadOnlyList<AgendaDay> Days)
{
    public IEnumerable<SessionView> AllSessions => Days.SelectMany(d => d.Rooms).SelectMany(r => r.Sessions);

    public AgendaView MapSessions(Func<SessionView, SessionView> map) =>
        this with { Days = Days.Select(d => d with { Rooms = d.Rooms.Select(r => r with { Sessions = r.Sessions.Select(map).ToList() }).ToList() }).ToList() };
}

public sealed record RoomView(Guid Id, string Name, int Capacity, IReadOnlyList<string> Interpretation);

public sealed record AgendaDay(LocalDate Date, IReadOnlyList<AgendaRoom> Rooms);

public sealed record AgendaRoom(Guid RoomId, string RoomName, IReadOnlyList<SessionView> Sessions);

/// <summary>
/// One session. Start and End are local times in the conference's zone; StartUtc and EndUtc the instants.
/// Revision counts the changes made to it (its ETag). SpeakingOrder lists delegation ids (tour de table).
/// Number is stable and unique within the conference (1, 2, 3... in the order sessions were scheduled).
/// </summary>
public sealed record SessionView(
    Guid Id,
    int Number,
    SessionKind Kind,
    string Title,
    string? Description,
    Guid RoomId,
    string RoomName,
    LocalDateTime Start,
    LocalDateTime End,
    Instant StartUtc,
    Instant EndUtc,
    string? Chair,
    IReadOnlyList<string> Speakers,
    bool IsPublic,
    int? ExpectedAttendance,
    SessionStatus Status,
    string? CancellationReason,
    long Revision,
    IReadOnlyList<Guid> SpeakingOrder,
    bool Listed,
    IReadOnlyList<SpeakerTurn>? TourDeTable = null);

/// <summary>
/// One turn of a ministerial session's tour de table: the party and who speaks for it. In a published rendering the
/// speaker's name and function are kept sealed with the member's own key (Person) and opened for organisers when
/// read, so that erasing the member reaches published versions too.
/// </summary>
public sealed record SpeakerTurn(
    int Turn,
    Guid DelegationId,
    Delegations.Party Party,
    Guid MemberId,
    Delegations.Rank Rank,
    bool IsHead,
    Infrastructure.Sealed? Person = null,
    string? Name = null,
    string? Function = null,
    bool Erased = false);
