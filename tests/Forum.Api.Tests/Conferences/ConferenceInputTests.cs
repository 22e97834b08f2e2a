using Forum.Api.Infrastructure;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Conferences;

[Collection(ApiCollection.Name)]
public sealed class ConferenceInputTests(ApiFixture api)
{
    private readonly HttpClient organiser = api.Organiser();

    [Fact]
    public async Task Every_invalid_field_is_named_in_one_problem()
    {
        var response = await organiser.PostJsonAsync("/api/conferences", new
        {
            slug = "Not A Slug",
            title = "",
            venue = new { name = "Hall", city = "", country = "Belgium" },
            timeZone = "Europe/Atlantis",
            firstDay = "2012-12-06",
            lastDay = "2012-12-05",
            languages = Array.Empty<string>(),
            capacity = 0,
            delegationQuota = -1,
        });
        var problem = await response.ProblemAsync(400, "validation_failed");
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(
            new HashSet<string> { "slug", "title", "venue.city", "venue.country", "timeZone", "lastDay", "languages", "capacity", "delegationQuota" },
            fields);
    }

    [Fact]
    public async Task A_day_that_is_not_a_date_is_a_validation_problem()
    {
        var problem = await (await organiser.PostJsonAsync("/api/conferences", new
        {
            slug = ApiFixture.NewSlug(), title = "T", venue = new { name = "a", city = "b", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "5 December 2012", lastDay = "2012-02-30", languages = new[] { "en" }, capacity = 1, delegationQuota = 1,
        })).ProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("firstDay", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("lastDay", out _));
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_not_a_500()
    {
        await (await organiser.PostRawAsync("/api/conferences", "{\"slug\": ")).ProblemAsync(400, "invalid_json");
        await (await organiser.PostRawAsync("/api/conferences", "{\"capacity\": \"many\"}")).ProblemAsync(400, "invalid_json");
        await (await organiser.PostRawAsync("/api/series", "[1,2]")).ProblemAsync(400, "invalid_json");
    }

    [Fact]
    public async Task A_field_the_contract_does_not_know_is_refused()
    {
        var problem = await (await organiser.PostRawAsync("/api/series", "{\"slug\":\"s-x\",\"name\":\"n\",\"description\":\"d\",\"owner\":\"me\"}")).ProblemAsync(400, "unknown_field");
        Assert.Contains("owner", problem.GetProperty("detail").GetString());
        await (await api.Anonymous().GetAsync("/api/series/s-x")).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused()
    {
        var response = await organiser.PostAsync("/api/series", new StringContent("slug=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        await response.ProblemAsync(415, "unsupported_media_type");
    }
}
