using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Conferences;

/// <summary>A conference as lists and pages show it; Version is its stream version (the ETag).</summary>
public sealed record ConferenceSummary(
    string Slug,
    string Title,
    string? SeriesSlug,
    Venue Venue,
    string TimeZone,
    LocalDate FirstDay,
    LocalDate LastDay,
    IReadOnlyList<string> Languages,
    int Capacity,
    int DelegationQuota,
    ConferenceStatus Status,
    bool WasPublished,
    string? CancellationReason,
    long Version,
    CalendarLinks? Calendar = null)
{
    /// <summary>What the public may see: everything that was ever published.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsPublic => WasPublished;
}

public sealed record SeriesEdition(string Slug, string Title, LocalDate FirstDay, LocalDate LastDay, ConferenceStatus Status, bool WasPublished);

public sealed record SeriesView(string Slug, string Name, string Description, long Version, IReadOnlyList<SeriesEdition> Editions, IReadOnlyList<SeriesDeclaration>? Declarations = null);

/// <summary>A calendar feed's addresses: https, webcal (for calendar apps) and Google Calendar's subscribe link.</summary>
public sealed record CalendarLinks(string Https, string Webcal, string Google);

/// <summary>The public calendar feed of a conference (kept by the calendars feature), for the conference's resource.</summary>
public interface IConferenceFeeds
{
    CalendarLinks ConferenceFeed(HttpRequest request, string slug);
}

/// <summary>A declaration adopted (or, for organisers, drafted) at one of a series' editions, followed at the next ones.</summary>
public sealed record SeriesDeclaration(Guid Id, string Title, string ConferenceSlug, string Status, Instant? AdoptedAt, int Signatories);

/// <summary>The declarations of a series' editions (kept by the declarations feature), for the series' page.</summary>
public interface ISeriesDeclarations
{
    Task<IReadOnlyList<SeriesDeclaration>> OfEditionsAsync(IReadOnlyList<string> conferenceSlugs, bool organiser, CancellationToken ct);
}

/// <summary>Conferences and series as read models, kept inline so that a write is readable at once.</summary>
public sealed class ConferenceCatalogue : IProjection
{
    public const string ProjectionName = "conference-catalogue";

    public string Name => ProjectionName;

    public static string ConferenceId(string slug) => "conference:" + slug;

    public static string SeriesId(string slug) => "series:" + slug;

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case SeriesCreated s:
                    session.Store(SeriesId(s.Slug), new SeriesView(s.Slug, s.Name, s.Description, e.StreamVersion, []));
                    break;
                case ConferenceScheduled c:
                    var summary = new ConferenceSummary(c.Slug, c.Title, c.SeriesSlug, c.Venue, c.TimeZone, c.FirstDay, c.LastDay, c.Languages, c.Capacity, c.DelegationQuota, ConferenceStatus.Draft, false, null, e.StreamVersion);
                    await SaveAsync(session, summary, ct);
                    break;
                case ConferencePublished p:
                    await UpdateAsync(session, p.Slug, e, c => c with { Status = ConferenceStatus.Published, WasPublished = true }, ct);
                    break;
                case RegistrationOpened o:
                    await UpdateAsync(session, o.Slug, e, c => c with { Status = ConferenceStatus.RegistrationOpen }, ct);
                    break;
                case RegistrationClosed r:
                    await UpdateAsync(session, r.Slug, e, c => c with { Status = ConferenceStatus.RegistrationClosed }, ct);
                    break;
                case ConferenceConcluded d:
                    await UpdateAsync(session, d.Slug, e, c => c with { Status = ConferenceStatus.Concluded }, ct);
                    break;
                case ConferenceCancelled x:
                    await UpdateAsync(session, x.Slug, e, c => c with { Status = ConferenceStatus.Cancelled, CancellationReason = x.Reason }, ct);
                    break;
            }
        }
    }

    private static async Task UpdateAsync(DocumentSession session, string slug, StoredEvent e, Func<ConferenceSummary, ConferenceSummary> change, CancellationToken ct)
    {
        var current = await session.LoadAsync<ConferenceSummary>(ConferenceId(slug), ct);
        if (current is not null)
        {
            await SaveAsync(session, change(current) with { Version = e.StreamVersion }, ct);
        }
    }

    private static async Task SaveAsync(DocumentSession session, ConferenceSummary conference, CancellationToken ct)
    {
        session.Store(ConferenceId(conference.Slug), conference);
        if (conference.SeriesSlug is { } seriesSlug && await session.LoadAsync<SeriesView>(SeriesId(seriesSlug), ct) is { } series)
        {
            var edition = new SeriesEdition(conference.Slug, conference.Title, conference.FirstDay, conference.LastDay, conference.Status, conference.WasPublished);
            var editions = series.Editions.Where(x => x.Slug != conference.Slug).Append(edition).OrderBy(x => x.FirstDay).ToList();
            session.Store(SeriesId(seriesSlug), series with { Editions = editions });
        }
    }
}
