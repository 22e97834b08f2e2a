using Forum.Staff.Api;
using Forum.Staff.SignIn;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Antiforgery;

namespace Forum.Staff.CheckIn;

/// <summary>
/// The scanner page's own JSON routes (same origin, the person's session): the roster's changes, the public key, the
/// summary, and the batches of scans its queue sends. They answer 401 JSON when the session is gone (never the sign-in
/// redirect a page gets), so that the page keeps its queue and says to sign in again.
/// </summary>
public static class CheckInEndpoints
{
    private const string SignedOut = """{"status":401,"code":"signed_out"}""";

    private const string NotProtocol = """{"status":403,"code":"not_protocol"}""";

    public static IEndpointRouteBuilder MapCheckInEndpoints(this IEndpointRouteBuilder app)
    {
        // Anonymous at the routing level (the fallback policy would redirect to the provider): each route checks itself.
        var group = app.MapGroup("/check-in/{slug}").AllowAnonymous();
        group.MapGet("/roster", async (string slug, string? since, HttpContext http, StaffApi api, IAntiforgery antiforgery, CancellationToken ct) =>
        {
            if (Refused(http) is { } refused)
            {
                return refused;
            }

            // A fresh antiforgery token with every pull: the page may have been opened from the device's cache.
            http.Response.Headers["X-CSRF-TOKEN"] = antiforgery.GetAndStoreTokens(http).RequestToken;
            return await ForwardAsync(http, api, HttpMethod.Get, slug, "roster" + (since is null ? "" : "?since=" + Uri.EscapeDataString(since)), null, ct);
        });
        group.MapGet("/key", async (string slug, HttpContext http, StaffApi api, CancellationToken ct) =>
            Refused(http) ?? await ForwardAsync(http, api, HttpMethod.Get, slug, "key", null, ct));
        group.MapGet("/summary.json", async (string slug, HttpContext http, StaffApi api, CancellationToken ct) =>
            Refused(http) ?? await ForwardAsync(http, api, HttpMethod.Get, slug, "summary", null, ct));
        group.MapPost("/scans", async (string slug, HttpContext http, StaffApi api, IAntiforgery antiforgery, CancellationToken ct) =>
        {
            if (Refused(http) is { } refused)
            {
                return refused;
            }

            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Json(new { status = 400, code = "antiforgery" }, statusCode: 400);
            }

            if (await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct) is not JsonObject body || body["scans"] is not JsonArray scans)
            {
                return Results.Json(new { status = 400, code = "no_scans" }, statusCode: 400);
            }

            // A check-in by hand names the member instead of a code: the API takes codes only, so the member's current
            // badge code stands in for it (read with the officer's token, as the badge sheet reads it).
            foreach (var scan in scans.OfType<JsonObject>().Where(s => s["code"] is null && s["memberId"] is not null))
            {
                if (Guid.TryParse((string?)scan["delegationId"], out var delegation) && Guid.TryParse((string?)scan["memberId"], out var member)
                    && (await api.BadgesAsync(slug, delegation, ct)).Value?.FirstOrDefault(b => b.MemberId == member) is { } badge)
                {
                    scan["code"] = badge.Code;
                }

                scan.Remove("memberId");
                scan.Remove("delegationId");
            }

            return await ForwardAsync(http, api, HttpMethod.Post, slug, "batch", JsonSerializer.SerializeToUtf8Bytes(body), ct);
        }).DisableAntiforgery();
        return app;
    }

    private static IResult? Refused(HttpContext http) =>
        http.User.Identity?.IsAuthenticated != true ? Results.Content(SignedOut, "application/json", statusCode: 401)
        : !http.User.IsInRole(StaffRoles.Protocol) ? Results.Content(NotProtocol, "application/json", statusCode: 403)
        : null;

    private static async Task<IResult> ForwardAsync(HttpContext http, StaffApi api, HttpMethod method, string slug, string route, byte[]? json, CancellationToken ct)
    {
        var answer = await api.ForwardAsync(method, slug, route, json, ct);
        // Names of participants: no cache but the page's own IndexedDB keeps them.
        http.Response.Headers.CacheControl = "no-store";
        // The API refusing the token (expired between refreshes) is a session to renew too.
        return answer.Status == 401 ? Results.Content(SignedOut, "application/json", statusCode: 401) : Results.Content(System.Text.Encoding.UTF8.GetString(answer.Body), answer.ContentType, statusCode: answer.Status);
    }
}
