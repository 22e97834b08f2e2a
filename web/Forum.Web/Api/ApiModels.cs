namespace Forum.Web.Api;

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
    IReadOnlyList<AgendaDay> Days)
{
    public IEnumerable<Session> Sessions => Days.SelectMany(d => d.Rooms).SelectMany(r => r.Sessions);
}

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
    string? CancellationReason)
{
    public bool Cancelled => Status == "Cancelled";
}

public sealed record PartyRequest(string? Kind, string? Code, string? Name);

public sealed record ContactRequest(string? Name, string? Email);

public sealed record MemberRequest(string? Name, string? Function, string? Rank, string? Email, bool IsHead, bool HasFullPowers);

public sealed record RegisterDelegationRequest(PartyRequest Party, ContactRequest FocalPoint, IReadOnlyList<MemberRequest> Members);

public sealed record Party(string Kind, string? Code, string Name);

public sealed record RegisteredMember(Guid Id, string? Name);

public sealed record Delegation(Guid Id, int Number, string ConferenceSlug, Party Party, IReadOnlyList<RegisteredMember> Members, string? AccessToken);

/// <summary>An RFC 9457 problem as the API writes it: a machine-readable code and, for validation, errors per field.</summary>
public sealed record Problem(int Status, string? Code, string? Title, string? Detail, IReadOnlyDictionary<string, string[]>? Errors, int? DelegationQuota = null);
