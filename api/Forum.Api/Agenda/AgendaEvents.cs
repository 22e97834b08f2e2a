using NodaTime;

namespace Forum.Api.Agenda;

public sealed record RoomAdded(Guid RoomId, string Name, int Capacity, IReadOnlyList<string> Interpretation);

/// <summary>The plan's Start and End are local times in the conference's zone: what the organiser meant, whatever the zone rules become.</summary>
public sealed record SessionScheduled(Guid SessionId, int Number, SessionPlan Plan);

public sealed record SessionMoved(Guid SessionId, LocalDateTime Start, LocalDateTime End);

public sealed record SessionRoomChanged(Guid SessionId, Guid RoomId);

public sealed record SessionRenamed(Guid SessionId, string Title);

public sealed record SessionDetailsChanged(
    Guid SessionId,
    SessionKind Kind,
    string? Description,
    string? Chair,
    IReadOnlyList<string> Speakers,
    bool IsPublic,
    int? ExpectedAttendance,
    bool Listed = true);

public sealed record SessionCancelled(Guid SessionId, string Reason);

/// <summary>A cancellation taken back (an organiser's undo): the session is held again as it was planned.</summary>
public sealed record SessionReinstated(Guid SessionId);

/// <summary>A version published; TourDeTable keeps each ministerial session's speaking order as it stood then.</summary>
public sealed record AgendaPublished(int Version, Instant PublishedAt, IReadOnlyDictionary<Guid, IReadOnlyList<SpeakerTurn>>? TourDeTable = null);

/// <summary>
/// The organiser fixed a ministerial session's tour de table by hand. Delegations that later become entitled to
/// speak follow it in the order they asked for the floor; those that lose their seat drop out (see SpeakingOrder).
/// </summary>
public sealed record SpeakingOrderFixed(Guid SessionId, IReadOnlyList<Guid> DelegationIds);

/// <summary>A delegation asked for the floor after the order was fixed: it joins at the end.</summary>
public sealed record SpeakingOrderJoined(Guid SessionId, Guid DelegationId);

/// <summary>A delegation no longer asks for the floor (it holds no seat any more): it leaves the fixed order.</summary>
public sealed record SpeakingOrderLeft(Guid SessionId, Guid DelegationId);
