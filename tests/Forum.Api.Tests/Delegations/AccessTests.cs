using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Tests.Conferences;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class AccessTests(ApiFixture api)
{
    /// <summary>Every route under /api/delegations/{id} this issue adds.</summary>
    public static TheoryData<string, string> DelegationRoutes => new()
    {
        { "GET", "/api/delegations/{id}" },
        { "POST", "/api/delegations/{id}/members" },
        { "PUT", "/api/delegations/{id}/members/{memberId}" },
        { "DELETE", "/api/delegations/{id}/members/{memberId}" },
        { "PUT", "/api/delegations/{id}/focal-point" },
        { "POST", "/api/delegations/{id}/withdraw" },
        { "POST", "/api/delegations/{id}/token/rotate" },
        { "GET", "/api/delegations/{id}/history" },
        { "POST", "/api/delegations/{id}/members/{memberId}/accreditation" },
        { "DELETE", "/api/delegations/{id}/members/{memberId}/personal-data" },
    };

    /// <summary>A valid body for each route, so that only the caller can be the reason for a refusal.</summary>
    private static object? BodyFor(string method, string route) => (method, route) switch
    {
        ("POST", "/api/delegations/{id}/members") => DelegationKit.Member("Intruder", 9),
        ("PUT", "/api/delegations/{id}/members/{memberId}") => DelegationKit.Member("Intruder", 8),
        ("PUT", "/api/delegations/{id}/focal-point") => new { name = "Intruder", email = "intruder@example.org" },
        ("POST", "/api/delegations/{id}/withdraw") => new { reason = "Withdrawn by someone else" },
        ("POST", "/api/delegations/{id}/members/{memberId}/accreditation") => new { decision = "approve" },
        _ => null,
    };

    private static Task<HttpResponseMessage> CallAsync(HttpClient client, string method, string route, Guid id, Guid memberId)
    {
        var url = route.Replace("{id}", id.ToString(), StringComparison.Ordinal).Replace("{memberId}", memberId.ToString(), StringComparison.Ordinal);
        return DelegationKit.SendJsonAsync(client, new HttpMethod(method), url, BodyFor(method, route));
    }

    private static string RandomToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Snapshot(string ETag, string Text);

    private static async Task<Snapshot> SnapshotAsync(DelegationKit kit, Guid id)
    {
        var response = await kit.Organiser.GetAsync(DelegationKit.DelegationUrl(id));
        await response.OkJsonAsync();
        return new Snapshot(response.Headers.ETag?.Tag ?? "", await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertUnchangedAsync(DelegationKit kit, Registered target, Snapshot before)
    {
        var after = await SnapshotAsync(kit, target.Id);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(before.Text, after.Text);
        await (await kit.FocalPointClient(target).GetAsync(DelegationKit.DelegationUrl(target.Id))).OkJsonAsync();
    }

    [Theory]
    [MemberData(nameof(DelegationRoutes))]
    public async Task Another_delegations_token_is_answered_404_on_every_delegation_route(string method, string route)
    {
        var kit = await DelegationKit.CreateAsync(api);
        var target = await kit.RegisterAsync(DelegationKit.State("BE"));
        var intruder = await kit.RegisterAsync(DelegationKit.State("NL"));
        var before = await SnapshotAsync(kit, target.Id);
        var intruderBefore = await SnapshotAsync(kit, intruder.Id);

        var response = await CallAsync(kit.FocalPointClient(intruder), method, route, target.Id, target.MemberId(1));
        await response.ProblemAsync(404, "not_found");
        Assert.DoesNotContain("Member 2 of BE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await AssertUnchangedAsync(kit, target, before);
        Assert.Equal(intruderBefore, await SnapshotAsync(kit, intruder.Id));
    }

    [Theory]
    [MemberData(nameof(DelegationRoutes))]
    public async Task Anonymous_callers_are_answered_404_on_every_delegation_route(string method, string route)
    {
        var kit = await DelegationKit.CreateAsync(api);
        var target = await kit.RegisterAsync(DelegationKit.State("BE"));
        var before = await SnapshotAsync(kit, target.Id);

        await (await CallAsync(api.Anonymous(), method, route, target.Id, target.MemberId(1))).ProblemAsync(404, "not_found");
        await AssertUnchangedAsync(kit, target, before);
    }

    [Theory]
    [MemberData(nameof(DelegationRoutes))]
    public async Task A_random_well_formed_token_is_answered_404_on_every_delegation_route(string method, string route)
    {
        var kit = await DelegationKit.CreateAsync(api);
        var target = await kit.RegisterAsync(DelegationKit.State("BE"));
        var before = await SnapshotAsync(kit, target.Id);

        await (await CallAsync(kit.FocalPointClient(RandomToken()), method, route, target.Id, target.MemberId(1))).ProblemAsync(404, "not_found");
        await AssertUnchangedAsync(kit, target, before);
    }

    [Fact]
    public async Task Another_delegations_token_gets_exactly_the_answer_of_an_id_that_does_not_exist()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var target = await kit.RegisterAsync(DelegationKit.State("BE"));
        var intruder = kit.FocalPointClient((await kit.RegisterAsync(DelegationKit.State("NL"))).Token);
        var unknown = Guid.NewGuid();

        var forbidden = await (await intruder.GetAsync(DelegationKit.DelegationUrl(target.Id))).ProblemAsync(404, "not_found");
        var missing = await (await intruder.GetAsync(DelegationKit.DelegationUrl(unknown))).ProblemAsync(404, "not_found");
        var missingForStaff = await (await kit.Organiser.GetAsync(DelegationKit.DelegationUrl(unknown))).ProblemAsync(404, "not_found");

        // The same problem but for the trace id, with the id in the path or detail standing for either.
        static Dictionary<string, string> Normalised(JsonElement problem, Guid id) => problem.EnumerateObject()
            .Where(p => p.Name != "traceId")
            .ToDictionary(p => p.Name, p => p.Value.ToString().Replace(id.ToString(), "{id}", StringComparison.OrdinalIgnoreCase), StringComparer.Ordinal);
        Assert.Equal(Normalised(missing, unknown), Normalised(forbidden, target.Id));
        Assert.Equal(Normalised(missingForStaff, unknown), Normalised(forbidden, target.Id));
    }

    [Fact]
    public async Task A_focal_point_finds_its_own_delegation_by_its_token_alone_and_nobody_else_finds_one()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        await kit.RegisterAsync(DelegationKit.State("NL"));

        var response = await kit.FocalPointClient(delegation).GetAsync("/api/delegations/mine");
        var mine = await response.OkJsonAsync();
        Assert.Equal(delegation.Id, mine.GetProperty("id").GetGuid());
        Assert.Equal(delegation.ETag, response.Headers.ETag?.Tag);
        Assert.True(DelegationKit.IsNullOrAbsent(mine, "accessToken"));

        await (await api.Anonymous().GetAsync("/api/delegations/mine")).ProblemAsync(404, "not_found");
        await (await kit.FocalPointClient(RandomToken()).GetAsync("/api/delegations/mine")).ProblemAsync(404, "not_found");
        await (await kit.Organiser.GetAsync("/api/delegations/mine")).ProblemAsync(404, "not_found");

        var rotated = await (await kit.FocalPointClient(delegation).PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null)).OkJsonAsync();
        await (await kit.FocalPointClient(delegation).GetAsync("/api/delegations/mine")).ProblemAsync(404, "not_found");
        var fresh = await (await kit.FocalPointClient(rotated.GetProperty("accessToken").GetString()!).GetAsync("/api/delegations/mine")).OkJsonAsync();
        Assert.Equal(delegation.Id, fresh.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_rotated_token_stops_working_at_once_and_the_new_one_works()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var old = kit.FocalPointClient(delegation);

        var rotated = await (await old.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null)).OkJsonAsync();
        var token = rotated.GetProperty("accessToken").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        Assert.NotEqual(delegation.Token, token);

        await (await old.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).ProblemAsync(404, "not_found");
        await (await old.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/members"), DelegationKit.Member("BE", 4))).ProblemAsync(404, "not_found");
        await (await old.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null)).ProblemAsync(404, "not_found");

        var fresh = kit.FocalPointClient(token);
        var seen = await (await fresh.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();
        Assert.Equal(delegation.Id, seen.GetProperty("id").GetGuid());
        Assert.True(DelegationKit.IsNullOrAbsent(seen, "accessToken"));
        await (await fresh.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/members"), DelegationKit.Member("BE", 4))).OkJsonAsync(201);

        // The token of another delegation is untouched by the rotation.
        var other = await kit.RegisterAsync(DelegationKit.State("NL"));
        await (await kit.FocalPointClient(other).GetAsync(DelegationKit.DelegationUrl(other.Id))).OkJsonAsync();
    }

    [Fact]
    public async Task A_rotated_token_stops_working_at_once_on_another_api_process()
    {
        await using var otherProcess = api.WithWebHostBuilder(_ => { });
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var elsewhere = otherProcess.CreateClient();
        elsewhere.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", delegation.Token);
        await (await elsewhere.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();

        var rotated = await (await kit.FocalPointClient(delegation).PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null)).OkJsonAsync();
        await (await elsewhere.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).ProblemAsync(404, "not_found");

        elsewhere.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", rotated.GetProperty("accessToken").GetString());
        await (await elsewhere.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();
    }

    [Fact]
    public async Task The_access_token_is_stored_only_as_a_hash()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"), Guid.NewGuid().ToString());
        var rotated = await (await kit.FocalPointClient(delegation).PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null)).OkJsonAsync();

        var database = await DelegationKit.DatabaseTextAsync(api);
        Assert.Contains(delegation.Id.ToString(), database, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(delegation.Token, database, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated.GetProperty("accessToken").GetString()!, database, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Organisers_and_protocol_officers_read_a_delegation_and_its_history()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        foreach (var staff in new[] { kit.Organiser, kit.Protocol })
        {
            var response = await staff.GetAsync(DelegationKit.DelegationUrl(delegation.Id));
            var view = await response.OkJsonAsync();
            Assert.Equal(delegation.Id, view.GetProperty("id").GetGuid());
            Assert.Equal(delegation.ETag, response.Headers.ETag?.Tag);
            Assert.Equal("Member 1 of BE", view.GetProperty("members")[0].GetProperty("name").GetString());

            var history = await (await staff.GetAsync(DelegationKit.DelegationUrl(delegation.Id, "/history"))).OkJsonAsync();
            Assert.NotEqual(0, history.GetArrayLength());
        }

        var own = await (await kit.FocalPointClient(delegation).GetAsync(DelegationKit.DelegationUrl(delegation.Id, "/history"))).OkJsonAsync();
        Assert.Equal(JsonValueKind.Array, own.ValueKind);
        var first = own[0];
        foreach (var field in new[] { "type", "time", "actor", "version" })
        {
            Assert.True(first.TryGetProperty(field, out _), $"History entries have {field}: {first}");
        }
    }

    [Fact]
    public async Task A_focal_points_token_is_refused_on_staff_routes()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);

        await (await focalPoint.GetAsync(kit.Url("/delegations"))).ProblemAsync(403, "forbidden");
        await (await focalPoint.GetAsync(kit.Url("/waiting-list"))).ProblemAsync(403, "forbidden");
        await (await focalPoint.GetAsync(kit.Url("/history"))).ProblemAsync(403, "forbidden");
        await (await focalPoint.PostJsonAsync(kit.Url("/registration/close"), null)).ProblemAsync(403, "forbidden");
        var slug = ApiFixture.NewSlug();
        await (await focalPoint.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).ProblemAsync(403, "forbidden");

        await (await kit.Organiser.GetAsync($"/api/conferences/{slug}")).ProblemAsync(404, "not_found");
        Assert.Equal("RegistrationOpen", (await (await kit.Organiser.GetAsync(kit.Url())).OkJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Anonymous_callers_are_refused_on_staff_lists_with_401()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await kit.RegisterAsync(DelegationKit.State("BE"));
        await (await kit.Anonymous.GetAsync(kit.Url("/delegations"))).ProblemAsync(401, "unauthenticated");
        await (await kit.Anonymous.GetAsync(kit.Url("/waiting-list"))).ProblemAsync(401, "unauthenticated");
    }

    [Fact]
    public async Task A_focal_point_may_not_decide_its_own_members_accreditation()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var before = await SnapshotAsync(kit, delegation.Id);

        var url = DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(0)}/accreditation");
        await (await kit.FocalPointClient(delegation).PostJsonAsync(url, new { decision = "approve" })).ProblemAsync(403, "forbidden");

        await AssertUnchangedAsync(kit, delegation, before);
        Assert.Equal("Pending", DelegationKit.AccreditationOf((await kit.StaffViewAsync(delegation.Id)).Body.GetProperty("members")[0]));
    }
}
