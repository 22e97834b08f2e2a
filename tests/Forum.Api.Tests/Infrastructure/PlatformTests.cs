namespace Forum.Api.Tests.Infrastructure;

[Collection(ApiCollection.Name)]
public sealed class PlatformTests(ApiFixture api)
{
    [Fact]
    public async Task Health_reports_the_database_and_projections()
    {
        var health = await (await api.Anonymous().GetAsync("/health")).OkJsonAsync();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("ok", health.GetProperty("database").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Array, health.GetProperty("projections").ValueKind);
        Assert.Equal("live", (await (await api.Anonymous().GetAsync("/health/live")).OkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("ready", (await (await api.Anonymous().GetAsync("/health/ready")).OkJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_public_contract()
    {
        var doc = await (await api.Anonymous().GetAsync("/openapi/v1.json")).OkJsonAsync();
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var route in new[] { "/health", "/api/series", "/api/series/{slug}", "/api/conferences", "/api/conferences/{slug}", "/api/conferences/{slug}/publish", "/api/conferences/{slug}/registration/open", "/api/conferences/{slug}/registration/close", "/api/conferences/{slug}/cancel", "/api/conferences/{slug}/history",
            "/api/conferences/{slug}/rooms", "/api/conferences/{slug}/sessions", "/api/conferences/{slug}/sessions/{id}", "/api/conferences/{slug}/sessions/{id}/cancel", "/api/conferences/{slug}/sessions/{id}/reinstate", "/api/conferences/{slug}/agenda/board", "/api/conferences/{slug}/agenda/pending",
            "/api/conferences/{slug}/agenda/publish", "/api/conferences/{slug}/agenda", "/api/conferences/{slug}/agenda/changes",
            "/api/conferences/{slug}/schedule.xml", "/api/conferences/{slug}/schedule.json",
            "/api/conferences/{slug}/delegations", "/api/conferences/{slug}/waiting-list", "/api/delegations/{id}", "/api/delegations/{id}/members",
            "/api/delegations/{id}/members/{memberId}", "/api/delegations/{id}/members/{memberId}/accreditation", "/api/delegations/{id}/members/{memberId}/personal-data",
            "/api/delegations/{id}/withdraw", "/api/delegations/{id}/token/rotate", "/api/delegations/{id}/seats", "/api/delegations/{id}/seats/{sessionId}/{memberId}", "/api/conferences/{slug}/sessions/{id}/speaking-order",
            "/api/delegations/{id}/members/{memberId}/badge", "/api/delegations/{id}/members/{memberId}/badge/reissue", "/api/conferences/{slug}/check-in/key",
            "/api/conferences/{slug}/check-in", "/api/conferences/{slug}/check-in/batch", "/api/conferences/{slug}/check-in/summary", "/api/conferences/{slug}/check-in/roster",
            "/api/conferences/{slug}/participants.csv", "/api/conferences/{slug}/participants" })
        {
            Assert.Contains(route, paths);
        }
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_with_problems()
    {
        await (await api.Anonymous().GetAsync("/api/nowhere")).ProblemAsync(404, "not_found");
        await (await api.Anonymous().DeleteAsync("/api/conferences")).ProblemAsync(405, "method_not_allowed");
    }

    [Fact]
    public async Task The_explorer_at_docs_serves_the_OpenAPI_document_with_a_bearer_scheme_and_a_summary_for_every_operation()
    {
        var client = api.Anonymous();
        var page = await client.GetAsync("/docs/index.html");
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var document = await (await client.GetAsync("/openapi/v1.json")).OkJsonAsync();
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("type").GetString());
        var unsummarised = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Value.ValueKind == System.Text.Json.JsonValueKind.Object && op.Value.TryGetProperty("responses", out _))
                .Where(op => !op.Value.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                .Select(op => $"{op.Name.ToUpperInvariant()} {path.Name}"))
            .ToList();
        Assert.Empty(unsummarised);

        // The registration's example registers (here in a fresh conference; in the explorer, in the demo's).
        var register = document.GetProperty("paths").GetProperty("/api/conferences/{slug}/delegations").GetProperty("post");
        Assert.Equal("global-alliance-2012", register.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "slug").GetProperty("example").GetString());
        var example = register.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example").GetRawText();
        var kit = await Forum.Api.Tests.Delegations.DelegationKit.CreateAsync(api);
        await (await client.PostRawAsync(kit.Url("/delegations"), example)).OkJsonAsync(201);
    }
}
