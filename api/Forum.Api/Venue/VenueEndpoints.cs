using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Forum.Api.Venues;

public static class VenueEndpoints
{
    private const string Svg = "image/svg+xml";
    private const string Png = "image/png";
    private const string JsonType = "application/json";

    public static IEndpointRouteBuilder MapVenueEndpoints(this IEndpointRouteBuilder app)
    {
        // The delegation routes' own rule: another delegation's token, an unknown one or none answer 404.
        var member = app.MapGroup("/api/delegations/{id:guid}/members/{memberId:guid}").WithTags("Venue").AddEndpointFilter(DelegationAccess.Filter)
            .WithParameterExample("id", "{{demo-delegation}}").WithParameterExample("memberId", "{{demo-head}}");
        member.MapGet("/badge", Badge)
            .WithName("getBadge").Refuses(409, "member_erased", "not_accredited").WithMetadata(new TagDescription("Venue", VenueTag))
            .WithMetadata(new DelegationAccess(true, Roles.Protocol))
            .WithSummary("A participant's printable badge with its signed check-in code: SVG, or PNG (the QR code) with Accept: image/png, or JSON with Accept: application/json");
        member.MapPost("/badge/reissue", async (Guid id, Guid memberId, HttpContext http, VenueService venue, CancellationToken ct) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(await venue.ReissueAsync(id, memberId, http.User.Actor(), ct));
        }).WithMetadata(new DelegationAccess(false, Roles.Protocol)).WithName("reissueBadge").Refuses(409, "member_erased", "not_accredited").WithSummary("Re-issue a badge: a new serial, and the old badge's code is refused from now on");

        var conference = app.MapGroup("/api/conferences/{slug}").WithTags("Venue");
        conference.MapGet("/check-in/key", async (string slug, HttpContext http, VenueService venue, CancellationToken ct) =>
        {
            // The key never changes: scanners may keep it.
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return TypedResults.Ok(await venue.PublicKeyAsync(slug, ct));
        }).WithName("getCheckInKey").WithSummary("The conference's badge-signing public key (JWK, ES256), for scanners that verify badges offline");

        var protocol = conference.MapGroup("").RequireAuthorization(Roles.Protocol);
        protocol.MapPost("/check-in", async (string slug, ScanRequest request, HttpContext http, VenueService venue, CancellationToken ct) =>
            TypedResults.Ok(await venue.CheckInAsync(slug, request, http.User.Actor(), ct)))
            .WithName("checkIn").Refuses(400, "validation_failed").Refuses(409, "badge_revoked", "member_erased", "member_not_participant").Refuses(422, "badge_invalid", "badge_other_conference")
            .WithSummary("Check a member in from a badge's code; a later scan answers when and at which gate the member was checked in")
            .WithRequestExample("""{"code": "{{demo-badge-code}}", "scanId": "gate-a-0001", "scannedAt": "2012-12-05T08:40:00Z", "gate": "Gate A"}""");
        protocol.MapPost("/check-in/batch", async (string slug, ScanBatchRequest request, HttpContext http, VenueService venue, CancellationToken ct) =>
            TypedResults.Ok(await venue.CheckInBatchAsync(slug, request, http.User.Actor(), ct)))
            .WithName("checkInBatch").Refuses(400, "validation_failed")
            .WithDescription("Each scan gets its own outcome in the answer (status and code as a single check-in would answer them), so one refused scan refuses nothing else; the request as a whole is refused only when it is not a list of 1 to the allowed number of scans.")
            .WithSummary("Scans made offline, with their scan times: answered scan by scan")
            .WithRequestExample("""
                {"scans": [{"code": "{{demo-badge-code-2}}", "scanId": "gate-b-0001", "scannedAt": "2012-12-05T08:45:00Z", "gate": "Gate B"},
                           {"code": "{{demo-badge-code}}", "scanId": "gate-b-0002", "scannedAt": "2012-12-05T08:46:00Z", "gate": "Gate B"}]}
                """);
        conference.MapGet("/check-in/roster", Roster)
            .RequireAuthorization(Roles.Staff)
            .WithName("getCheckInRoster").Refuses(400, "invalid_cursor")
            .WithDescription("The first read (no `since`) gives every participant and check-in, and a `cursor`; a later read with `since=<that cursor>` gives what changed after it, and a new cursor. " +
                "A cursor is opaque: pass it back unchanged. The ETag covers the answer but its cursor: If-None-Match answers 304 while nothing changed.")
            .WithSummary("The roster for offline scanners: participants with their badge serials, and check-ins; ?since=<cursor of an earlier answer> for what changed since");
        conference.MapGet("/check-in/summary", async (string slug, VenueService venue, CancellationToken ct) => TypedResults.Ok(await venue.SummaryAsync(slug, ct)))
            .RequireAuthorization(Roles.Staff)
            .WithName("getCheckInSummary").WithSummary("Participants checked in, by kind of party, by day and by gate, and the scans that admitted a member again (needsALook)");
        protocol.MapGet("/participants.csv", async (string slug, bool? emails, HttpContext http, VenueService venue, CancellationToken ct) =>
        {
            var (_, rows) = await venue.ParticipantsAsync(slug, ct);
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.File(ParticipantsRenderer.Csv(rows, emails == true), "text/csv; charset=utf-8", $"participants-{slug}.csv");
        }).WithName("getParticipantsCsv").WithSummary("The list of participants in protocol order (CSV); ?emails=true adds a last column with their e-mail addresses");
        protocol.MapGet("/participants", async Task<Results<ContentHttpResult, Ok<IReadOnlyList<ParticipantRow>>>> (string slug, HttpContext http, VenueService venue, CancellationToken ct) =>
        {
            var (c, rows) = await venue.ParticipantsAsync(slug, ct);
            http.Response.Headers.Vary = "Accept";
            return Prefers(http.Request, JsonType, "text/html")
                ? TypedResults.Ok(rows)
                : TypedResults.Text(ParticipantsRenderer.Html(c.Details.Title, c.Zone, rows), "text/html; charset=utf-8");
        }).WithName("getParticipants").WithSummary("The list of participants in protocol order, printable (HTML), or as JSON (with e-mail addresses) with Accept: application/json");
        protocol.MapGet("/badges", async (string slug, Guid? delegationId, HttpContext http, VenueService venue, CancellationToken ct) =>
        {
            // The codes admit their holders: no cache may keep them.
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(await venue.BadgesAsync(slug, delegationId, http.User.Actor(), ct));
        }).WithName("listBadges").WithSummary("The badges (JSON, with their signed codes) of every participant, or of one delegation's (?delegationId=), in protocol order, for a sheet to print");
        return app;
    }

    private static async Task<Results<ContentHttpResult, FileContentHttpResult, Ok<BadgeView>>> Badge(Guid id, Guid memberId, HttpContext http, VenueService venue, CancellationToken ct)
    {
        var badge = await venue.BadgeAsync(id, memberId, http.User.Actor(), ct);

        // The code admits its holder: no cache may keep it.
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Vary = "Accept";
        return Preferred(http.Request) switch
        {
            Png => TypedResults.File(BadgeRenderer.Png(badge.Code), Png),
            JsonType => TypedResults.Ok(badge),
            _ => TypedResults.Text(BadgeRenderer.Svg(badge), "image/svg+xml; charset=utf-8"),
        };
    }

    /// <summary>
    /// The roster with an ETag over what it says apart from its cursor: a device that asks again with If-None-Match gets 304
    /// while nothing it would learn changed, and keeps the cursor it has (still a valid one: only what came after it is new).
    /// </summary>
    private static async Task<Results<Ok<RosterView>, StatusCodeHttpResult>> Roster(string slug, string? since, HttpContext http, VenueService venue, CancellationToken ct)
    {
        var roster = await venue.RosterAsync(slug, since, ct);
        var content = JsonSerializer.SerializeToUtf8Bytes(roster with { Cursor = "" }, RosterJson);
        var etag = $"W/\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16))}\"";

        // Names of people: kept by no shared cache, and revalidated by the device.
        http.Response.Headers.CacheControl = "private, no-cache";
        http.Response.Headers.ETag = etag;
        return http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(roster);
    }

    private const string VenueTag = "Badges with signed check-in codes, check-in at the gates (live and offline, with the roster for offline scanners), and the list of participants.";

    private static readonly JsonSerializerOptions RosterJson = Json.CreateOptions();

    /// <summary>Whether the Accept header prefers <paramref name="type"/> to <paramref name="other"/> (by quality, then order); the other by default.</summary>
    private static bool Prefers(HttpRequest request, string type, string other) =>
        request.GetTypedHeaders().Accept
            .Where(a => (a.Quality ?? 1) > 0)
            .OrderByDescending(a => a.Quality ?? 1)
            .Select(a => a.MediaType.Value)
            .FirstOrDefault(t => t == type || t == other) == type;

    /// <summary>The first of SVG, PNG and JSON the Accept header prefers (by quality, then order); SVG by default.</summary>
    private static string Preferred(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().Accept
            .Where(a => (a.Quality ?? 1) > 0)
            .OrderByDescending(a => a.Quality ?? 1)
            .Select(a => a.MediaType.Value)
            .FirstOrDefault(t => t is Svg or Png or JsonType);
        return accepted ?? Svg;
    }
}
