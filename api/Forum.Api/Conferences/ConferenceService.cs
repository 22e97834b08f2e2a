using System.Text.RegularExpressions;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Conferences;

public sealed record CreateSeriesRequest(string? Slug, string? Name, string? Description);

public sealed record VenueRequest(string? Name, string? City, string? Country);

public sealed record ScheduleConferenceRequest(
    string? Slug,
    string? Title,
    string? SeriesSlug,
    VenueRequest? Venue,
    string? TimeZone,
    string? FirstDay,
    string? LastDay,
    IReadOnlyList<string>? Languages,
    int? Capacity,
    int? DelegationQuota);

public sealed record CancelConferenceRequest(string? Reason);

public sealed record HistoryEntry(string Type, DateTimeOffset Time, string? Actor, string? Reason, string StreamId, long Version, object Data);

/// <summary>The conference commands, used alike by the endpoints and the demo seeding.</summary>
public sealed partial class ConferenceService(EventStreamWriter writer)
{
    private EventStore.EventStore Store => writer.Store;

    public async Task<SeriesView> CreateSeriesAsync(CreateSeriesRequest request, string actor, CancellationToken ct)
    {
        var v = new Validator();
        RequireSlug(v, "slug", request.Slug);
        v.Require(!string.IsNullOrWhiteSpace(request.Name), "name", "A series has a name.");
        v.ThrowIfInvalid();
        var command = new CreateSeries(request.Slug!, request.Name!.Trim(), request.Description?.Trim() ?? "");
        await writer.HandleAsync(SeriesDecider.Instance, Series.StreamId(command.Slug), command, actor, ifMatch: null, ct: ct);
        return (await GetSeriesAsync(command.Slug, ct))!;
    }

    public Task<SeriesView?> GetSeriesAsync(string slug, CancellationToken ct) =>
        Store.Documents.LoadAsync<SeriesView>(ConferenceCatalogue.ProjectionName, ConferenceCatalogue.SeriesId(slug), ct);

    public async Task<ConferenceSummary> ScheduleAsync(ScheduleConferenceRequest request, string actor, CancellationToken ct)
    {
        var details = Validate(request);
        if (details.SeriesSlug is { } seriesSlug && await GetSeriesAsync(seriesSlug, ct) is null)
        {
            throw ProblemException.Unprocessable("unknown_series", $"There is no series '{seriesSlug}'; create it first.");
        }

        await writer.HandleAsync(ConferenceDecider.Instance, Conference.StreamId(details.Slug), new ConferenceCommand.Schedule(details), actor, ifMatch: null, ct: ct);
        return (await GetAsync(details.Slug, ct))!;
    }

    public Task<ConferenceSummary?> GetAsync(string slug, CancellationToken ct) =>
        Store.Documents.LoadAsync<ConferenceSummary>(ConferenceCatalogue.ProjectionName, ConferenceCatalogue.ConferenceId(slug), ct);

    public Task<IReadOnlyList<SeriesView>> ListSeriesAsync(CancellationToken ct) =>
        Store.Documents.ListAsync<SeriesView>(ConferenceCatalogue.ProjectionName, "series:", ct);

    public Task<IReadOnlyList<ConferenceSummary>> ListAsync(CancellationToken ct) =>
        Store.Documents.ListAsync<ConferenceSummary>(ConferenceCatalogue.ProjectionName, "conference:", ct);

    /// <summary>The conference as its stream says now (for rules other features check), or a 404.</summary>
    public async Task<(Conference Conference, long Version)> LoadAsync(string slug, CancellationToken ct)
    {
        var (state, version) = await writer.LoadAsync(ConferenceDecider.Instance, Conference.StreamId(slug), ct);
        return state is null ? throw ProblemException.NotFound($"conference '{slug}'") : (state, version);
    }

    public async Task<ConferenceSummary> ChangeAsync(string slug, ConferenceCommand command, string actor, long? ifMatch, CancellationToken ct)
    {
        if (command is ConferenceCommand.Cancel { Reason: var reason } && string.IsNullOrWhiteSpace(reason))
        {
            new Validator().Require(false, "reason", "Say why the conference is cancelled.").ThrowIfInvalid();
        }

        await writer.HandleAsync(ConferenceDecider.Instance, Conference.StreamId(slug), command, actor, ifMatch, (command as ConferenceCommand.Cancel)?.Reason, ct);
        return (await GetAsync(slug, ct))!;
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(IReadOnlyCollection<string> streams, CancellationToken ct)
    {
        var events = await Store.ReadStreamsAsync(streams, ct: ct);
        return events.Select(e => new HistoryEntry(e.TypeName, e.RecordedAt, e.Metadata.Actor, e.Metadata.Reason, e.StreamId, e.StreamVersion, e.Data)).ToList();
    }

    private static ConferenceScheduled Validate(ScheduleConferenceRequest r)
    {
        var v = new Validator();
        RequireSlug(v, "slug", r.Slug);
        v.Require(!string.IsNullOrWhiteSpace(r.Title), "title", "A conference has a title.");
        if (r.SeriesSlug is not null)
        {
            RequireSlug(v, "seriesSlug", r.SeriesSlug);
        }

        v.Require(r.Venue is not null, "venue", "A conference has a venue (name, city, country).");
        if (r.Venue is { } venue)
        {
            v.Require(!string.IsNullOrWhiteSpace(venue.Name), "venue.name", "The venue has a name.");
            v.Require(!string.IsNullOrWhiteSpace(venue.City), "venue.city", "The venue has a city.");
            v.Require(venue.Country is { Length: 2 } c && c.All(char.IsAsciiLetterUpper), "venue.country", "The country is an ISO 3166 alpha-2 code, such as BE.");
        }

        var zone = r.TimeZone is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(r.TimeZone);
        v.Require(zone is not null, "timeZone", "The time zone is an IANA zone, such as Europe/Brussels.");
        var first = ParseDate(v, "firstDay", r.FirstDay);
        var last = ParseDate(v, "lastDay", r.LastDay);
        if (first is { } f && last is { } l)
        {
            v.Require(f <= l, "lastDay", "The last day is not before the first day.");
        }

        v.Require(r.Languages is { Count: > 0 }, "languages", "Name at least one language.");
        v.Require(r.Languages is null || r.Languages.All(x => LanguageCode().IsMatch(x ?? "")), "languages", "Languages are ISO 639 codes, such as en or fr.");
        v.Require(r.Capacity is > 0, "capacity", "The capacity is a positive number of people.");
        v.Require(r.DelegationQuota is > 0, "delegationQuota", "The delegation quota is at least one member.");
        v.ThrowIfInvalid();
        return new ConferenceScheduled(
            r.Slug!, r.Title!.Trim(), r.SeriesSlug, new Venue(r.Venue!.Name!.Trim(), r.Venue.City!.Trim(), r.Venue.Country!),
            zone!.Id, first!.Value, last!.Value, r.Languages!.Distinct().ToList(), r.Capacity!.Value, r.DelegationQuota!.Value);
    }

    private static LocalDate? ParseDate(Validator v, string field, string? text)
    {
        var parsed = LocalDatePattern.Iso.Parse(text ?? "");
        v.Require(parsed.Success, field, "A day is written yyyy-MM-dd.");
        return parsed.Success ? parsed.Value : null;
    }

    private static void RequireSlug(Validator v, string field, string? slug) =>
        v.Require(slug is { Length: <= 80 } && Slug().IsMatch(slug), field, "A slug is lower-case letters and digits in words joined by hyphens, at most 80 characters.");

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Slug();

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageCode();
}
