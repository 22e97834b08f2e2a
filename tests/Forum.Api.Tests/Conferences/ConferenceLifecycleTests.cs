using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Conferences;

[Collection(ApiCollection.Name)]
public sealed class ConferenceLifecycleTests(ApiFixture api)
{
    private readonly HttpClient organiser = api.Organiser();
    private readonly HttpClient anonymous = api.Anonymous();

    private async Task<string> CreateAsync(string? seriesSlug = null)
    {
        var slug = ApiFixture.NewSlug();
        var created = await organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug, seriesSlug));
        await created.OkJsonAsync(201);
        return slug;
    }

    [Fact]
    public async Task A_new_conference_is_a_draft_that_only_organisers_can_see()
    {
        var slug = ApiFixture.NewSlug();
        var created = await organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug));
        var body = await created.OkJsonAsync(201);

        Assert.Equal($"/api/conferences/{slug}", created.Headers.Location?.ToString());
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal("Draft", body.GetProperty("status").GetString());
        Assert.Equal("Europe/Brussels", body.GetProperty("timeZone").GetString());
        Assert.Equal("2012-12-05", body.GetProperty("firstDay").GetString());
        await (await anonymous.GetAsync($"/api/conferences/{slug}")).ProblemAsync(404, "not_found");
        Assert.DoesNotContain(slug, await anonymous.GetStringAsync("/api/conferences"));
        Assert.Contains(slug, await organiser.GetStringAsync("/api/conferences"));
        var seen = await organiser.GetAsync($"/api/conferences/{slug}");
        Assert.Equal("Draft", (await seen.OkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("\"1\"", seen.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_conference_goes_from_draft_to_concluded_and_the_public_sees_it_once_published()
    {
        var slug = await CreateAsync();
        var steps = new[] { ("publish", "Published"), ("registration/open", "RegistrationOpen"), ("registration/close", "RegistrationClosed"), ("conclude", "Concluded") };
        var version = 1;
        foreach (var (action, status) in steps)
        {
            var response = await organiser.PostJsonAsync($"/api/conferences/{slug}/{action}", null);
            Assert.Equal(status, (await response.OkJsonAsync()).GetProperty("status").GetString());
            Assert.Equal($"\"{++version}\"", response.Headers.ETag?.Tag);
            var seen = await anonymous.GetAsync($"/api/conferences/{slug}");
            Assert.Equal(status, (await seen.OkJsonAsync()).GetProperty("status").GetString());
        }

        Assert.Contains(slug, await anonymous.GetStringAsync("/api/conferences"));
    }

    [Theory]
    [InlineData("registration/open")]
    [InlineData("registration/close")]
    [InlineData("conclude")]
    public async Task A_draft_cannot_skip_publication(string action)
    {
        var slug = await CreateAsync();
        var problem = await (await organiser.PostJsonAsync($"/api/conferences/{slug}/{action}", null)).ProblemAsync(409, "invalid_transition");
        Assert.Equal("Draft", problem.GetProperty("conferenceStatus").GetString());
        Assert.Equal("Draft", (await (await organiser.GetAsync($"/api/conferences/{slug}")).OkJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Refused_transitions_leave_the_conference_as_it_was()
    {
        var slug = await CreateAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)).OkJsonAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)).ProblemAsync(409, "invalid_transition");
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/registration/close", null)).ProblemAsync(409, "invalid_transition");
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/registration/open", null)).OkJsonAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/conclude", null)).ProblemAsync(409, "invalid_transition");
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/registration/open", null)).ProblemAsync(409, "invalid_transition");

        var now = await organiser.GetAsync($"/api/conferences/{slug}");
        Assert.Equal("RegistrationOpen", (await now.OkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("\"3\"", now.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_conference_can_be_cancelled_with_a_reason_from_any_state_before_it_concluded()
    {
        var open = await CreateAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{open}/publish", null)).OkJsonAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{open}/registration/open", null)).OkJsonAsync();
        var cancelled = await (await organiser.PostJsonAsync($"/api/conferences/{open}/cancel", new { reason = "Venue unavailable" })).OkJsonAsync();
        Assert.Equal("Cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("Venue unavailable", cancelled.GetProperty("cancellationReason").GetString());
        await (await organiser.PostJsonAsync($"/api/conferences/{open}/cancel", new { reason = "again" })).ProblemAsync(409, "invalid_transition");
        await (await organiser.PostJsonAsync($"/api/conferences/{open}/publish", null)).ProblemAsync(409, "invalid_transition");
        Assert.Equal("Cancelled", (await (await anonymous.GetAsync($"/api/conferences/{open}")).OkJsonAsync()).GetProperty("status").GetString());

        var draft = await CreateAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{draft}/cancel", new { reason = "Not needed" })).OkJsonAsync();
        await (await anonymous.GetAsync($"/api/conferences/{draft}")).ProblemAsync(404, "not_found");

        var concluded = await CreateAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{concluded}/publish", null)).OkJsonAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{concluded}/conclude", null)).OkJsonAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{concluded}/cancel", new { reason = "too late" })).ProblemAsync(409, "invalid_transition");
    }

    [Fact]
    public async Task Cancelling_without_a_reason_is_refused()
    {
        var slug = await CreateAsync();
        var problem = await (await organiser.PostJsonAsync($"/api/conferences/{slug}/cancel", new { reason = " " })).ProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal("Draft", (await (await organiser.GetAsync($"/api/conferences/{slug}")).OkJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_stale_If_Match_is_refused_with_412_and_nothing_changes()
    {
        var slug = await CreateAsync();
        var problem = await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null, ifMatch: "\"7\"")).ProblemAsync(412, "precondition_failed");
        Assert.Equal(1, problem.GetProperty("currentVersion").GetInt64());
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null, ifMatch: "garbage")).ProblemAsync(412, "precondition_failed");
        Assert.Equal("Draft", (await (await organiser.GetAsync($"/api/conferences/{slug}")).OkJsonAsync()).GetProperty("status").GetString());

        var fresh = await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null, ifMatch: "\"1\"");
        await fresh.OkJsonAsync();
        Assert.Equal("\"2\"", fresh.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Racing_organisers_get_one_success_and_conflicts_never_a_500()
    {
        var slug = await CreateAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            var code = (await conflict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
            Assert.Contains(code, new[] { "version_conflict", "invalid_transition" });
        }

        var history = await (await organiser.GetAsync($"/api/conferences/{slug}/history")).OkJsonAsync();
        Assert.Equal(2, history.GetArrayLength());
    }

    [Fact]
    public async Task A_slug_is_taken_once()
    {
        var slug = await CreateAsync();
        await (await organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).ProblemAsync(409, "conference_exists");
    }

    [Fact]
    public async Task Transitions_of_an_unknown_conference_answer_404()
    {
        await (await organiser.PostJsonAsync($"/api/conferences/{ApiFixture.NewSlug()}/publish", null)).ProblemAsync(404, "not_found");
        await (await organiser.GetAsync($"/api/conferences/{ApiFixture.NewSlug()}/history")).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task The_history_tells_who_did_what_when_and_why()
    {
        var slug = await CreateAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)).OkJsonAsync();
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/cancel", new { reason = "Strike" })).OkJsonAsync();

        var history = (await (await organiser.GetAsync($"/api/conferences/{slug}/history")).OkJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["conference-scheduled", "conference-published", "conference-cancelled"], history.Select(h => h.GetProperty("type").GetString()));
        Assert.All(history, h => Assert.Equal("organiser:test-organiser", h.GetProperty("actor").GetString()));
        Assert.All(history, h => Assert.True(DateTimeOffset.UtcNow - h.GetProperty("time").GetDateTimeOffset() < TimeSpan.FromMinutes(5)));
        Assert.Equal("Strike", history[2].GetProperty("reason").GetString());
        Assert.Equal(slug, history[0].GetProperty("data").GetProperty("slug").GetString());
        Assert.Equal("Brussels", history[0].GetProperty("data").GetProperty("venue").GetProperty("city").GetString());
    }

    [Fact]
    public async Task Series_list_their_editions_and_the_public_sees_only_published_ones()
    {
        var seriesSlug = ApiFixture.NewSlug("series");
        var created = await organiser.PostJsonAsync("/api/series", new { slug = seriesSlug, name = "Technology Coalition Annual Forum", description = "The yearly forum" });
        await created.OkJsonAsync(201);
        await (await organiser.PostJsonAsync("/api/series", new { slug = seriesSlug, name = "Again", description = "" })).ProblemAsync(409, "series_exists");

        var first = ApiFixture.NewSlug();
        var second = ApiFixture.NewSlug();
        await (await organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(second, seriesSlug, "2021-11-16", "2021-11-17", "America/New_York"))).OkJsonAsync(201);
        await (await organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(first, seriesSlug, "2020-11-17", "2020-11-18", "America/New_York"))).OkJsonAsync(201);
        await (await organiser.PostJsonAsync($"/api/conferences/{first}/publish", null)).OkJsonAsync();

        var seenByOrganiser = await (await organiser.GetAsync($"/api/series/{seriesSlug}")).OkJsonAsync();
        Assert.Equal([first, second], seenByOrganiser.GetProperty("editions").EnumerateArray().Select(e => e.GetProperty("slug").GetString()));
        var seenByPublic = await (await anonymous.GetAsync($"/api/series/{seriesSlug}")).OkJsonAsync();
        Assert.Equal("Technology Coalition Annual Forum", seenByPublic.GetProperty("name").GetString());
        var edition = Assert.Single(seenByPublic.GetProperty("editions").EnumerateArray());
        Assert.Equal(first, edition.GetProperty("slug").GetString());
        Assert.Equal("Published", edition.GetProperty("status").GetString());
        await (await anonymous.GetAsync($"/api/series/{ApiFixture.NewSlug("series")}")).ProblemAsync(404, "not_found");

        // The list of every series says the same, each to its reader.
        var listedForOrganiser = (await (await organiser.GetAsync("/api/series")).OkJsonAsync()).EnumerateArray().Single(s => s.GetProperty("slug").GetString() == seriesSlug);
        Assert.Equal([first, second], listedForOrganiser.GetProperty("editions").EnumerateArray().Select(e => e.GetProperty("slug").GetString()));
        var listedForPublic = (await (await anonymous.GetAsync("/api/series")).OkJsonAsync()).EnumerateArray().Single(s => s.GetProperty("slug").GetString() == seriesSlug);
        Assert.Equal([first], listedForPublic.GetProperty("editions").EnumerateArray().Select(e => e.GetProperty("slug").GetString()));
    }

    [Fact]
    public async Task A_conference_of_an_unknown_series_is_refused()
    {
        var slug = ApiFixture.NewSlug();
        await (await organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug, ApiFixture.NewSlug("series")))).ProblemAsync(422, "unknown_series");
        await (await organiser.GetAsync($"/api/conferences/{slug}")).ProblemAsync(404, "not_found");
    }
}
