using System.Security.Claims;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Forum.Api.Conferences;

public static class ConferenceEndpoints
{
    public static IEndpointRouteBuilder MapConferenceEndpoints(this IEndpointRouteBuilder app)
    {
        var series = app.MapGroup("/api/series")
            .WithTag("Series", "Series of conferences (a summit held every year or two, say) and their editions.");
        // The examples create a series and an edition beside the demo's (slugs of their own), then cancel that edition.
        series.MapPost("/", CreateSeries).RequireAuthorization(Roles.Organiser).WithSummary("Create a series of conferences").WithName("createSeries")
            .Refuses(400, "validation_failed").Refuses(409, "series_exists", "version_conflict")
            .WithRequestExample("""
                {"slug": "weprotect-global-summit", "name": "WePROTECT Global Summit",
                 "description": "Governments, companies and civil society against the online sexual exploitation of children, every year or two."}
                """);
        series.MapGet("/", ListSeries).WithName("listSeries").WithSummary("Every series with its editions (the public sees published editions only)");
        series.MapGet("/{slug}", GetSeries).WithName("getSeries").WithSummary("A series with its editions");

        var conferences = app.MapGroup("/api/conferences")
            .WithTag("Conferences", "A conference from its draft to its conclusion: publication, registration opened and closed, cancellation, and its history.");
        conferences.MapPost("/", Schedule).RequireAuthorization(Roles.Organiser).WithSummary("Create a conference (as a draft)").WithName("createConference")
            .Refuses(400, "validation_failed").Refuses(409, "conference_exists", "version_conflict").Refuses(422, "unknown_series")
            .WithRequestExample("""
                {"slug": "weprotect-summit-2015", "title": "WePROTECT Global Summit 2015", "seriesSlug": "weprotect-global-summit",
                 "venue": {"name": "Conference centre", "city": "Abu Dhabi", "country": "AE"}, "timeZone": "Asia/Dubai",
                 "firstDay": "2015-11-16", "lastDay": "2015-11-17", "languages": ["en", "ar"], "capacity": 400, "delegationQuota": 5}
                """);
        conferences.MapGet("/", List).WithName("listConferences").WithSummary("Published conferences; organisers see all");
        conferences.MapGet("/{slug}", Get).WithName("getConference").WithSummary("One conference (ETag: its version, for the If-Match of its lifecycle's writes)");

        // Each step is refused (409 invalid_transition) from a state it does not follow.
        var lifecycle = conferences.MapGroup("/{slug}").RequireAuthorization(Roles.Organiser);
        var steps = lifecycle.MapGroup("").TakesIfMatch("the conference").Refuses(409, "invalid_transition", "version_conflict");
        steps.MapPost("/publish", (string slug, HttpContext http, ConferenceService service, CancellationToken ct) =>
            Change(slug, new ConferenceCommand.Publish(), http, service, ct)).WithSummary("Publish a draft conference").WithName("publishConference");
        steps.MapPost("/registration/open", (string slug, HttpContext http, ConferenceService service, CancellationToken ct) =>
            Change(slug, new ConferenceCommand.OpenRegistration(), http, service, ct)).WithSummary("Open registration").WithName("openRegistration");
        steps.MapPost("/registration/close", (string slug, HttpContext http, ConferenceService service, CancellationToken ct) =>
            Change(slug, new ConferenceCommand.CloseRegistration(), http, service, ct)).WithSummary("Close registration").WithName("closeRegistration");
        steps.MapPost("/conclude", (string slug, HttpContext http, ConferenceService service, CancellationToken ct) =>
            Change(slug, new ConferenceCommand.Conclude(), http, service, ct)).WithSummary("Mark the conference concluded").WithName("concludeConference");
        steps.MapPost("/cancel", (string slug, CancelConferenceRequest request, HttpContext http, ConferenceService service, CancellationToken ct) =>
            Change(slug, new ConferenceCommand.Cancel(request.Reason?.Trim() ?? ""), http, service, ct)).WithSummary("Cancel the conference, with a reason").WithName("cancelConference").Refuses(400, "validation_failed")
            .WithParameterExample("slug", "weprotect-summit-2015")
            .WithRequestExample("""{"reason": "Postponed to 2016 by the host government"}""");
        lifecycle.MapGet("/history", History).WithName("getConferenceHistory").WithSummary("Every event of the conference and its sessions: type, time, actor, data");
        return app;
    }

    private static async Task<Created<SeriesView>> CreateSeries(CreateSeriesRequest request, ClaimsPrincipal user, ConferenceService service, CancellationToken ct)
    {
        var created = await service.CreateSeriesAsync(request, user.Actor(), ct);
        return TypedResults.Created($"/api/series/{created.Slug}", created);
    }

    private static async Task<Ok<IReadOnlyList<SeriesView>>> ListSeries(ClaimsPrincipal user, ConferenceService service, CancellationToken ct)
    {
        var organiser = user.IsOrganiser();
        IReadOnlyList<SeriesView> all = (await service.ListSeriesAsync(ct))
            .Select(s => organiser ? s : s with { Editions = s.Editions.Where(e => e.WasPublished).ToList() })
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(all);
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> GetSeries(
        string slug, ClaimsPrincipal user, ConferenceService service, ISeriesDeclarations declarations, CancellationToken ct)
    {
        var found = await service.GetSeriesAsync(slug, ct);
        if (found is null)
        {
            return ProblemResults.NotFound($"series '{slug}'");
        }

        var organiser = user.IsOrganiser();
        var editions = organiser ? found.Editions : found.Editions.Where(e => e.WasPublished).ToList();
        return TypedResults.Ok(found with { Editions = editions, Declarations = await declarations.OfEditionsAsync(editions.Select(e => e.Slug).ToList(), organiser, ct) });
    }

    private static async Task<Created<ConferenceSummary>> Schedule(ScheduleConferenceRequest request, ClaimsPrincipal user, HttpContext http, ConferenceService service, CancellationToken ct)
    {
        var created = await service.ScheduleAsync(request, user.Actor(), ct);
        ETags.Set(http, created.Version);
        return TypedResults.Created($"/api/conferences/{created.Slug}", created);
    }

    private static async Task<Ok<IReadOnlyList<ConferenceSummary>>> List(ClaimsPrincipal user, ConferenceService service, CancellationToken ct)
    {
        var all = await service.ListAsync(ct);
        return TypedResults.Ok(user.IsOrganiser() ? all : all.Where(c => c.IsPublic).ToList());
    }

    private static async Task<Results<Ok<ConferenceSummary>, ProblemHttpResult>> Get(
        string slug, ClaimsPrincipal user, HttpContext http, ConferenceService service, IConferenceFeeds feeds, CancellationToken ct)
    {
        var found = await service.GetAsync(slug, ct);
        if (found is null || !(found.IsPublic || user.IsOrganiser()))
        {
            return ProblemResults.NotFound($"conference '{slug}'");
        }

        ETags.Set(http, found.Version);
        return TypedResults.Ok(found with { Calendar = feeds.ConferenceFeed(http.Request, slug) });
    }

    private static async Task<Ok<ConferenceSummary>> Change(string slug, ConferenceCommand command, HttpContext http, ConferenceService service, CancellationToken ct)
    {
        var changed = await service.ChangeAsync(slug, command, http.User.Actor(), ETags.IfMatch(http.Request), ct);
        ETags.Set(http, changed.Version);
        return TypedResults.Ok(changed);
    }

    private static async Task<Ok<IReadOnlyList<HistoryEntry>>> History(string slug, ConferenceService service, IEnumerable<IConferenceStreams> sources, CancellationToken ct)
    {
        await service.LoadAsync(slug, ct);
        var streams = new List<string> { Conference.StreamId(slug) };
        foreach (var source in sources)
        {
            streams.AddRange(await source.StreamsOfAsync(slug, ct));
        }

        return TypedResults.Ok(await service.HistoryAsync(streams, ct));
    }
}

/// <summary>Streams other features keep for a conference (its sessions, ...), so its history can include them.</summary>
public interface IConferenceStreams
{
    Task<IReadOnlyList<string>> StreamsOfAsync(string conferenceSlug, CancellationToken ct);
}
