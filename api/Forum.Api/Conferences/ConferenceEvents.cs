using NodaTime;

namespace Forum.Api.Conferences;

public sealed record Venue(string Name, string City, string Country);

public sealed record SeriesCreated(string Slug, string Name, string Description);

public sealed record ConferenceScheduled(
    string Slug,
    string Title,
    string? SeriesSlug,
    Venue Venue,
    string TimeZone,
    LocalDate FirstDay,
    LocalDate LastDay,
    IReadOnlyList<string> Languages,
    int Capacity,
    int DelegationQuota);

public sealed record ConferencePublished(string Slug);

public sealed record RegistrationOpened(string Slug);

public sealed record RegistrationClosed(string Slug);

public sealed record ConferenceCancelled(string Slug, string Reason);

public sealed record ConferenceConcluded(string Slug);
