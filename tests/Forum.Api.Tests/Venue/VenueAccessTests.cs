using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Venues;

[Collection(ApiCollection.Name)]
public sealed class VenueAccessTests(ApiFixture api)
{
    /// <summary>The delegation routes this feature adds (under .../badge), with whether the delegation's own focal point may call them.</summary>
    public static TheoryData<string, string, bool> BadgeRoutes => new()
    {
        { "GET", "", true },
        { "POST", "/reissue", false },
    };

    /// <summary>The conference routes for protocol only.</summary>
    public static TheoryData<string, string> ProtocolRoutes => new()
    {
        { "POST", "/check-in" },
        { "POST", "/check-in/batch" },
        { "GET", "/participants.csv" },
        { "GET", "/participants" },
    };

    private static object? BodyFor(string route, string code) => route switch
    {
        "/check-in" => new { code },
        "/check-in/batch" => new { scans = new[] { new { code } } },
        _ => null,
    };

    private static Task<HttpResponseMessage> CallAsync(HttpClient client, string method, string url, object? body) =>
        DelegationKit.SendJsonAsync(client, new HttpMethod(method), url, body);

    [Theory]
    [MemberData(nameof(BadgeRoutes))]
    public async Task Badge_routes_follow_the_delegation_rule(string method, string path, bool focalPointAllowed)
    {
        var kit = await VenueKit.CreateAsync(api);
        var target = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var intruder = await kit.AccreditedAsync(DelegationKit.State("NL", advisers: 0));
        var url = VenueKit.BadgeUrl(target.Id, target.MemberId(0), path);

        // Another delegation's token, an unknown one and none: 404, as an id that does not exist.
        await (await CallAsync(kit.Delegations.FocalPointClient(intruder), method, url, null)).ProblemAsync(404, "not_found");
        await (await CallAsync(kit.Anonymous, method, url, null)).ProblemAsync(404, "not_found");
        await (await CallAsync(kit.Delegations.FocalPointClient(DelegationService.NewAccessToken()), method, url, null)).ProblemAsync(404, "not_found");

        // The organiser sees the delegation but badges are protocol's.
        await (await CallAsync(kit.Organiser, method, url, null)).ProblemAsync(403, "forbidden");
        var own = await CallAsync(kit.Delegations.FocalPointClient(target), method, url, null);
        if (focalPointAllowed)
        {
            Assert.True(own.IsSuccessStatusCode, await own.Content.ReadAsStringAsync());
        }
        else
        {
            await own.ProblemAsync(403, "forbidden");
        }

        var protocol = await CallAsync(kit.Protocol, method, url, null);
        Assert.True(protocol.IsSuccessStatusCode, await protocol.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(ProtocolRoutes))]
    public async Task Protocol_routes_refuse_everyone_else(string method, string path)
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(0));
        var url = kit.Delegations.Url(path);

        await (await CallAsync(kit.Anonymous, method, url, BodyFor(path, code))).ProblemAsync(401, "unauthenticated");
        await (await CallAsync(kit.Delegations.FocalPointClient(delegation), method, url, BodyFor(path, code))).ProblemAsync(403, "forbidden");
        await (await CallAsync(kit.Organiser, method, url, BodyFor(path, code))).ProblemAsync(403, "forbidden");
        Assert.Equal(0, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());

        var allowed = await CallAsync(kit.Protocol, method, url, BodyFor(path, code));
        Assert.True(allowed.IsSuccessStatusCode, await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_summary_is_for_organisers_and_protocol_and_the_key_for_everyone()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var url = kit.Delegations.Url("/check-in/summary");

        await (await kit.Anonymous.GetAsync(url)).ProblemAsync(401, "unauthenticated");
        await (await kit.Delegations.FocalPointClient(delegation).GetAsync(url)).ProblemAsync(403, "forbidden");
        Assert.Equal(1, (await (await kit.Organiser.GetAsync(url)).OkJsonAsync()).GetProperty("participants").GetInt32());
        Assert.Equal(1, (await (await kit.Protocol.GetAsync(url)).OkJsonAsync()).GetProperty("participants").GetInt32());
        await (await kit.Anonymous.GetAsync(kit.Delegations.Url("/check-in/key"))).OkJsonAsync();
        await (await api.As(Roles.Protocol).GetAsync($"/api/conferences/{ApiFixture.NewSlug()}/check-in/summary")).ProblemAsync(404, "not_found");
    }
}
