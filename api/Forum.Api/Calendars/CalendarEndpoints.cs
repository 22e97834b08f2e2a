using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Forum.Api.Calendars;

public static class CalendarEndpoints
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapCalendarEndpoints(this IEndpointRouteBuilder app)
    {
        var feeds = app.MapGroup("/calendars")
            .WithTag("Calendars", "iCalendar feeds for calendar apps: the conference's public agenda, and a delegation's and each member's own sessions by secret feed addresses.");
        feeds.MapMethods("/{slug}.ics", GetAndHead, async (string slug, HttpContext http, CalendarService calendars, CancellationToken ct) =>
            Serve(http, await calendars.ConferenceFeedAsync(slug, ct), isPublic: true))
            .WithName("getConferenceFeed")
            .WithDescription(FeedDescription)
            .WithSummary("The conference's published public agenda as an iCalendar feed (closed sessions listed as closed)");
        feeds.MapMethods("/delegations/{token}.ics", GetAndHead, async (string token, HttpContext http, CalendarService calendars, CancellationToken ct) =>
            Serve(http, await calendars.PrivateFeedAsync(token, FeedKind.Delegation, ct), isPublic: false))
            .WithName("getDelegationFeed")
            .WithDescription(FeedDescription)
            .WithSummary("A delegation's sessions (every session its members hold seats in, closed ones included), by its secret feed token");
        feeds.MapMethods("/people/{token}.ics", GetAndHead, async (string token, HttpContext http, CalendarService calendars, CancellationToken ct) =>
            Serve(http, await calendars.PrivateFeedAsync(token, FeedKind.Person, ct), isPublic: false))
            .WithName("getPersonFeed")
            .WithDescription(FeedDescription)
            .WithSummary("One member's sessions, by the member's secret feed token");

        var delegation = app.MapGroup("/api/delegations/{id:guid}/feeds").WithTags("Calendars").AddEndpointFilter(DelegationAccess.Filter)
            .WithMetadata(new DelegationAccess(FocalPoint: true)).WithParameterExample("id", "{{demo-delegation}}");
        delegation.MapGet("", async (Guid id, HttpContext http, CalendarService calendars, CancellationToken ct) =>
            NoStore(http, TypedResults.Ok(await calendars.FeedsAsync(id, http.Request, http.User.Actor(), ct))))
            .WithName("getDelegationFeeds").Refuses(409, "delegation_withdrawn")
            .WithSummary("The delegation's feed and each member's (https, webcal and Google Calendar links); the addresses are secret");
        delegation.MapPost("/rotate", async (Guid id, HttpContext http, CalendarService calendars, CancellationToken ct) =>
            NoStore(http, TypedResults.Ok(await calendars.RotateAsync(id, http.Request, http.User.Actor(), ct))))
            .WithName("rotateDelegationFeeds").Refuses(409, "delegation_withdrawn")
            .WithSummary("New feed addresses for the delegation and every member; the old ones answer 404 at once");
        return app;
    }

    private const string FeedDescription =
        "text/calendar, with an ETag (If-None-Match answers 304) and gzip when Accept-Encoding allows it; HEAD answers the headers alone. " +
        "Calendar apps poll: the answer is rendered once per change and served from storage. An unknown or rotated address answers 404.";

    private static Ok<DelegationFeedsView> NoStore(HttpContext http, Ok<DelegationFeedsView> result)
    {
        http.Response.Headers.CacheControl = "no-store";
        return result;
    }

    /// <summary>text/calendar with an ETag (304 on If-None-Match), gzip when asked; calendar clients poll, so answers are cheap.</summary>
    private static IResult Serve(HttpContext http, FeedBytes? feed, bool isPublic)
    {
        if (feed is null)
        {
            throw ProblemException.NotFound("such calendar feed");
        }

        var gzip = AcceptsGzip(http.Request);
        var etag = gzip ? feed.GzipETag : feed.ETag;
        var headers = http.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = isPublic ? "public, max-age=300" : "private, max-age=300";
        headers.Vary = "Accept-Encoding";
        if (Matches(http.Request.Headers.IfNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (gzip)
        {
            headers.ContentEncoding = "gzip";
        }

        return new FeedResult(gzip ? feed.Gzip : feed.Body);
    }

    /// <summary>The bytes as they are: no range or precondition processing (the ETag was handled above).</summary>
    private sealed class FeedResult(byte[] body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.ContentType = "text/calendar; charset=utf-8";
            response.ContentLength = body.Length;
            return HttpMethods.IsHead(httpContext.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
        }
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            if (value is null)
            {
                continue;
            }

            if (value == etag || value.Trim() == "*" || value.Split(',').Any(t => t.Trim() == etag))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AcceptsGzip(HttpRequest request)
    {
        var header = request.Headers.AcceptEncoding;
        if (header.Count == 0 || !header.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return StringWithQualityHeaderValue.TryParseList(header.OfType<string>().ToList(), out var encodings)
            && encodings.Any(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && (e.Quality ?? 1) > 0);
    }
}
