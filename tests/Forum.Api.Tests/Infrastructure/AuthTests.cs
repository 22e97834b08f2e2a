using System.Net.Http.Headers;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Conferences;

namespace Forum.Api.Tests.Infrastructure;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(ApiFixture api)
{
    public static TheoryData<string, string> OrganiserRoutes => new()
    {
        { "POST", "/api/series" },
        { "POST", "/api/conferences" },
        { "POST", "/api/conferences/{slug}/publish" },
        { "POST", "/api/conferences/{slug}/registration/open" },
        { "POST", "/api/conferences/{slug}/registration/close" },
        { "POST", "/api/conferences/{slug}/conclude" },
        { "POST", "/api/conferences/{slug}/cancel" },
        { "GET", "/api/conferences/{slug}/history" },
    };

    private async Task<string> DraftAsync()
    {
        var slug = ApiFixture.NewSlug();
        await (await api.Organiser().PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).OkJsonAsync(201);
        return slug;
    }

    private static HttpRequestMessage Request(string method, string route, string slug, string? token)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{slug}", slug, StringComparison.Ordinal));
        if (method == "POST")
        {
            request.Content = new StringContent("{\"reason\":\"x\"}", System.Text.Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(OrganiserRoutes))]
    public async Task Organiser_routes_refuse_anonymous_callers_with_401(string method, string route)
    {
        var slug = await DraftAsync();
        await (await api.Anonymous().SendAsync(Request(method, route, slug, null))).ProblemAsync(401, "unauthenticated");
        await AssertUnchangedAsync(slug);
    }

    [Theory]
    [MemberData(nameof(OrganiserRoutes))]
    public async Task Organiser_routes_refuse_protocol_officers_with_403(string method, string route)
    {
        var slug = await DraftAsync();
        await (await api.Anonymous().SendAsync(Request(method, route, slug, api.Token(Roles.Protocol)))).ProblemAsync(403, "forbidden");
        await AssertUnchangedAsync(slug);
    }

    [Fact]
    public async Task Forged_expired_and_malformed_tokens_are_refused()
    {
        var slug = await DraftAsync();
        var forged = api.Token(Roles.Organiser, key: Convert.ToBase64String(new byte[48]));
        var expired = api.Token(Roles.Organiser, lifetime: TimeSpan.FromMinutes(-5));
        foreach (var token in new[] { forged, expired, "not-a-token", "a.b.c" })
        {
            await (await api.Anonymous().SendAsync(Request("POST", "/api/conferences/{slug}/publish", slug, token))).ProblemAsync(401, "unauthenticated");
        }

        await AssertUnchangedAsync(slug);
    }

    private async Task AssertUnchangedAsync(string slug)
    {
        var response = await api.Organiser().GetAsync($"/api/conferences/{slug}");
        Assert.Equal("Draft", (await response.OkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }
}
