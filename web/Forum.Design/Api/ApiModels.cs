namespace Forum.Design.Api;

// The parts of the public contract (shared/API.md) this client reads. Local dates and times stay strings here and are
// parsed by Localisation/Dates.cs, so a format the API adds later cannot break deserialisation.

public sealed record Venue(string Name, string City, string Country);

public sealed record CalendarLinks(string Https, string Webcal, string Google);

public sealed record Conference(
    string Slug,
    string Title,
    string? SeriesSlug,
    Venue Venue,
    string TimeZone,
    string FirstDay,
    string LastDay,
    IReadOnlyList<string> Languages,
    int Capacity,
    int DelegationQuota,
    string Status,
    string? CancellationReason,
    long Version,
    CalendarLinks? Calendar = null)
{
    public bool RegistrationOpen => Status == "RegistrationOpen";
}

public sealed record Agenda(
    string ConferenceSlug,
    string Title,
    string TimeZone,
    string FirstDay,
    string LastDay,
    int? Version,
    string? PublishedAt,
    IReadOnlyList<AgendaDay> Days,
    IReadOnlyList<Room>? Rooms = null)
{
    public IEnumerable<Session> Sessions => Days.SelectMany(d => d.Rooms).SelectMany(r => r.Sessions);
}

/// <summary>A room of the conference (organisers' views list every room, used or not).</summary>
public sealed record Room(Guid Id, string Name, int Capacity, IReadOnlyList<string> Interpretation);

public sealed record AgendaDay(string Date, IReadOnlyList<AgendaRoom> Rooms);

public sealed record AgendaRoom(Guid RoomId, string RoomName, IReadOnlyList<Session> Sessions);

public sealed record Session(
    Guid Id,
    int Number,
    string Kind,
    string Title,
    string? Description,
    Guid RoomId,
    string RoomName,
    string Start,
    string End,
    string StartUtc,
    string EndUtc,
    string? Chair,
    IReadOnlyList<string>? Speakers,
    bool IsPublic,
    string Status,
    string? CancellationReason,
    int? ExpectedAttendance = null,
    long Revision = 0,
    IReadOnlyList<Guid>? SpeakingOrder = null,
    IReadOnlyList<SpeakerTurn>? TourDeTable = null)
{
    public bool Cancelled => Status == "Cancelled";
}

/// <summary>
/// One turn of a ministerial session's tour de table, in organisers' views only (public renderings name no seat holders).
/// Name and Function are null and Erased true once the speaker's personal data was erased.
/// </summary>
public sealed record SpeakerTurn(int Turn, Guid DelegationId, Party Party, Guid MemberId, string Rank, bool IsHead, string? Name, string? Function, bool Erased);

public sealed record PartyRequest(string? Kind, string? Code, string? Name);

public sealed record ContactRequest(string? Name, string? Email);

public sealed record MemberRequest(string? Name, string? Function, string? Rank, string? Email, bool IsHead, bool HasFullPowers);

public sealed record RegisterDelegationRequest(PartyRequest Party, ContactRequest FocalPoint, IReadOnlyList<MemberRequest> Members);

public sealed record Party(string Kind, string? Code, string Name);

public sealed record RegisteredMember(Guid Id, string? Name);

public sealed record Delegation(Guid Id, int Number, string ConferenceSlug, Party Party, IReadOnlyList<RegisteredMember> Members, string? AccessToken);

/// <summary>An RFC 9457 problem as the API writes it: a machine-readable code and, for validation, errors per field.</summary>
public sealed record Problem(
    int Status,
    string? Code,
    string? Title,
    string? Detail,
    IReadOnlyDictionary<string, string[]>? Errors,
    int? DelegationQuota = null,
    ConflictingSession? ConflictingSession = null,
    string? Person = null,
    int? RoomCapacity = null);

/// <summary>The session a refused change of the agenda would collide with (room_double_booked, person_double_booked).</summary>
public sealed record ConflictingSession(Guid Id, string Title, string Start, string End);

// Declarations (public reads): the text and its hash, the register of signatories, the yearly progress.

public sealed record DeclarationEntry(Guid Id, string ConferenceSlug, string Title, string Status, string? TextHash, string? AdoptedAt, int Signatories);

public sealed record Indicator(string Name, string Unit);

public sealed record Commitment(int Number, string Text, Indicator? Indicator, decimal? YearlyTarget);

public sealed record Signing(Guid? SessionId, string OpensAt);

public sealed record Declaration(
    Guid Id,
    string ConferenceSlug,
    string? SeriesSlug,
    string Status,
    int Version,
    string Title,
    string Preamble,
    IReadOnlyList<Commitment> Commitments,
    string ReportingDeadline,
    string TextHash,
    string? AdoptedAt,
    Signing? Signing,
    int Signatories,
    int LatestVersion = 0,
    string? DraftedAt = null,
    long StreamVersion = 0);

public sealed record PartyRef(string Kind, string? Code, string Name);

public sealed record Act(string Kind, string Date, string? Signatory, string? Function, string? Place, string? TextHash, string? Reason);

public sealed record RegisterRow(PartyRef Party, string Status, Act? Signature, Act? Accession, Act? Withdrawal, IReadOnlyList<Act> Acts);

public sealed record RegisterGroup(string Kind, int Parties, int Bound, IReadOnlyList<RegisterRow> Rows);

public sealed record SignatoryRegister(Guid DeclarationId, string ConferenceSlug, string Title, string? TextHash, int Parties, int Bound, IReadOnlyList<RegisterGroup> Groups);

public sealed record StatusCounts(int NotStarted, int InProgress, int Achieved);

public sealed record CommitmentAggregate(
    int Number,
    string Text,
    int Reported,
    int Signatories,
    StatusCounts Statuses,
    Indicator? Indicator,
    decimal? YearlyTarget,
    int IndicatorValues,
    decimal? MedianIndicatorValue,
    decimal? ShareMeetingTarget);

/// <summary>A year's progress; Reporters and NotReported come in the organisers' view only.</summary>
public sealed record ProgressYear(
    int Year,
    string Deadline,
    int Signatories,
    int Reported,
    IReadOnlyList<CommitmentAggregate> Commitments,
    IReadOnlyList<PartyRef>? Reporters = null,
    IReadOnlyList<PartyRef>? NotReported = null);

public sealed record ProgressYears(Guid DeclarationId, IReadOnlyList<ProgressYear> Years);

public sealed record SeriesEdition(string Slug, string Title, string FirstDay, string LastDay, string Status);

public sealed record SeriesDeclaration(Guid Id, string Title, string ConferenceSlug, string Status, string? AdoptedAt, int Signatories);

public sealed record Series(string Slug, string Name, string Description, IReadOnlyList<SeriesEdition> Editions, IReadOnlyList<SeriesDeclaration>? Declarations);

/// <summary>What changed for the public between two published versions of the agenda.</summary>
public sealed record AgendaChanges(int From, int To, IReadOnlyList<SessionChange> Sessions);

public sealed record SessionChange(Guid SessionId, int Number, string Title, IReadOnlyList<string> Changes, Session? Before, Session? After);
