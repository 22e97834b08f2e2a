using System.Text.Json;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class RegistrationTests(ApiFixture api)
{
    [Fact]
    public async Task A_state_registers_and_gets_its_delegation_an_etag_and_a_secret_token_shown_once()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var registered = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 2));
        var body = registered.Body;

        Assert.Equal($"/api/delegations/{registered.Id}", registered.Response.Headers.Location?.ToString());
        Assert.Equal($"\"{body.GetProperty("version").GetInt64()}\"", registered.ETag);
        Assert.Equal(43, registered.Token.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", registered.Token);
        Assert.Equal(kit.Slug, body.GetProperty("conferenceSlug").GetString());
        Assert.Equal("State", body.GetProperty("party").GetProperty("kind").GetString());
        Assert.Equal("BE", body.GetProperty("party").GetProperty("code").GetString());
        Assert.Equal("Belgium", body.GetProperty("party").GetProperty("name").GetString());
        Assert.Equal("Focal point of BE", body.GetProperty("focalPoint").GetProperty("name").GetString());
        Assert.Equal("focal.be@example.org", body.GetProperty("focalPoint").GetProperty("email").GetString());
        Assert.Equal("Active", body.GetProperty("status").GetString());
        Assert.True(body.TryGetProperty("registeredAt", out _));

        var members = body.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(new[] { "Member 1 of BE", "Member 2 of BE", "Member 3 of BE" }, members.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(3, members.Select(m => m.GetProperty("id").GetGuid()).Distinct().Count());
        Assert.All(members, m =>
        {
            Assert.Equal("Active", DelegationKit.StatusOf(m));
            Assert.Equal("Pending", DelegationKit.AccreditationOf(m));
            Assert.Equal("Admitted", DelegationKit.PlaceOf(m));
            Assert.Null(DelegationKit.WaitingPositionOf(m));
            Assert.False(m.GetProperty("erased").GetBoolean());
        });
        Assert.True(members[0].GetProperty("isHead").GetBoolean());
        Assert.Equal("Minister", members[0].GetProperty("rank").GetString());
        Assert.Equal("Minister of Justice", members[0].GetProperty("function").GetString());
        Assert.Equal("member1.be@example.org", members[0].GetProperty("email").GetString());
        Assert.True(members[0].GetProperty("isMinisterialRank").GetBoolean());
        Assert.False(members[1].GetProperty("isHead").GetBoolean());
        Assert.False(members[1].GetProperty("isMinisterialRank").GetBoolean());

        // The token is shown this once: reading the delegation never shows it again.
        var seen = await kit.FocalPointClient(registered).GetAsync(DelegationKit.DelegationUrl(registered.Id));
        var view = await seen.OkJsonAsync();
        Assert.True(DelegationKit.IsNullOrAbsent(view, "accessToken"));
        Assert.DoesNotContain(registered.Token, await seen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(registered.ETag, seen.Headers.ETag?.Tag);
        Assert.DoesNotContain(registered.Token, await kit.DelegationsTextAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BE", "Belgium")]
    [InlineData("US", "United States")]
    public async Task A_states_name_comes_from_its_code(string code, string name)
    {
        var kit = await DelegationKit.CreateAsync(api);
        var registered = await kit.RegisterAsync(DelegationKit.State(code));
        Assert.Equal(name, registered.Body.GetProperty("party").GetProperty("name").GetString());
        var listed = Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
        Assert.Equal(name, listed.GetProperty("party").GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_organisation_registers_by_its_name_and_kind()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var registered = await kit.RegisterAsync(DelegationKit.Organisation("Europol", "LawEnforcement"));
        var party = registered.Body.GetProperty("party");
        Assert.Equal("LawEnforcement", party.GetProperty("kind").GetString());
        Assert.Equal("Europol", party.GetProperty("name").GetString());
        Assert.True(DelegationKit.IsNullOrAbsent(party, "code"));
    }

    [Fact]
    public async Task Ranks_of_ministerial_level_are_marked_in_the_view()
    {
        var kit = await DelegationKit.CreateAsync(api, delegationQuota: 10);
        var ranks = new[] { "HeadOfStateOrGovernment", "Minister", "DeputyMinister", "SecretaryOfState", "HeadOfOrganisation", "Ambassador", "SeniorOfficial", "Official", "Expert", "Other" };
        var members = ranks.Select((rank, i) => DelegationKit.Member("FR", i + 1, isHead: i == 0, rank: rank)).ToArray();
        var registered = await kit.RegisterAsync(DelegationKit.StateWith("FR", members));
        var views = registered.Body.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(ranks, views.Select(m => m.GetProperty("rank").GetString()));
        Assert.Equal(new[] { true, true, true, true, true, false, false, false, false, false }, views.Select(m => m.GetProperty("isMinisterialRank").GetBoolean()));
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("be")]
    [InlineData("BEL")]
    [InlineData("")]
    public async Task An_unknown_country_code_is_refused_on_party_code(string code)
    {
        var kit = await DelegationKit.CreateAsync(api);
        await AssertRefusedOnFieldAsync(kit, DelegationKit.State(code), "party.code");
    }

    [Fact]
    public async Task A_state_with_a_name_is_refused_on_party_name()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var body = new { party = new { kind = "State", code = "BE", name = "Kingdom of Belgium" }, focalPoint = DelegationKit.FocalPoint("BE"), members = DelegationKit.Members("BE", 1) };
        await AssertRefusedOnFieldAsync(kit, body, "party.name");
    }

    [Fact]
    public async Task An_organisation_without_a_name_is_refused_on_party_name()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var body = new { party = new { kind = "Company" }, focalPoint = DelegationKit.FocalPoint("X"), members = DelegationKit.Members("X", 1) };
        await AssertRefusedOnFieldAsync(kit, body, "party.name");
    }

    [Fact]
    public async Task An_organisation_with_a_country_code_is_refused_on_party_code()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var body = new { party = new { kind = "InternationalOrganisation", code = "BE", name = "European Commission" }, focalPoint = DelegationKit.FocalPoint("EC"), members = DelegationKit.Members("EC", 1) };
        await AssertRefusedOnFieldAsync(kit, body, "party.code");
    }

    [Fact]
    public async Task An_unknown_party_kind_is_refused()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var before = await kit.DelegationsTextAsync();
        var body = new { party = new { kind = "Empire", name = "Galactic Empire" }, focalPoint = DelegationKit.FocalPoint("GE"), members = DelegationKit.Members("GE", 1) };
        var response = await kit.RegisterRawAsync(body);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(before, await kit.DelegationsTextAsync());
    }

    [Theory]
    [InlineData("InternationalOrganisation", "European Commission")]
    [InlineData("NonGovernmentalOrganisation", "National Center for Missing & Exploited Children")]
    [InlineData("Company", "Apple")]
    public async Task Every_kind_of_organisation_registers(string kind, string name)
    {
        var kit = await DelegationKit.CreateAsync(api);
        var registered = await kit.RegisterAsync(DelegationKit.Organisation(name, kind));
        Assert.Equal(kind, registered.Body.GetProperty("party").GetProperty("kind").GetString());
        Assert.Equal(name, registered.Body.GetProperty("party").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_name_longer_than_200_characters_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [DelegationKit.Member("BE", 1, isHead: true), new { name = new string('n', 201), function = "Adviser", rank = "Expert", email = "member2.be@example.org", isHead = false }];
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", members), "members[1].name");
    }

    [Fact]
    public async Task An_empty_focal_point_name_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", DelegationKit.Members("BE", 1), new { name = " ", email = "focal.be@example.org" }), "focalPoint.name");
    }

    [Fact]
    public async Task Names_and_functions_are_trimmed_and_full_powers_are_shown()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [new { name = "  Member 1 of BE ", function = " Minister of Justice  ", rank = "Minister", email = "member1.be@example.org", isHead = true, hasFullPowers = true }, DelegationKit.Member("BE", 2)];
        var registered = await kit.RegisterAsync(DelegationKit.StateWith("BE", members));
        var head = registered.Body.GetProperty("members")[0];
        Assert.Equal("Member 1 of BE", head.GetProperty("name").GetString());
        Assert.Equal("Minister of Justice", head.GetProperty("function").GetString());
        Assert.True(head.GetProperty("hasFullPowers").GetBoolean());
        Assert.False(registered.Body.GetProperty("members")[1].GetProperty("hasFullPowers").GetBoolean());
    }

    [Fact]
    public async Task A_malformed_member_email_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [new { name = "Member 1 of BE", function = "Minister of Justice", rank = "Minister", email = "member1.be-at-example.org", isHead = true }];
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", members), "members[0].email");
    }

    [Fact]
    public async Task A_malformed_focal_point_email_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", DelegationKit.Members("BE", 1), new { name = "Focal point of BE", email = "focal@" }), "focalPoint.email");
    }

    [Fact]
    public async Task A_name_empty_after_trimming_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [DelegationKit.Member("BE", 1, isHead: true), new { name = "   ", function = "Adviser", rank = "Expert", email = "member2.be@example.org", isHead = false }];
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", members), "members[1].name");
    }

    [Fact]
    public async Task A_function_longer_than_200_characters_is_refused_and_200_are_accepted()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] tooLong = [DelegationKit.Member("BE", 1, isHead: true, function: new string('f', 201))];
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", tooLong), "members[0].function");

        object[] justRight = [DelegationKit.Member("BE", 1, isHead: true, function: new string('f', 200))];
        var registered = await kit.RegisterAsync(DelegationKit.StateWith("BE", justRight));
        Assert.Equal(200, registered.Body.GetProperty("members")[0].GetProperty("function").GetString()!.Length);
    }

    [Fact]
    public async Task An_unknown_rank_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [DelegationKit.Member("BE", 1, isHead: true), DelegationKit.Member("BE", 2, rank: "Emperor")];
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", members), "members[1].rank");
    }

    [Fact]
    public async Task A_registration_without_members_is_refused_on_members()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", []), "members");
        await AssertRefusedOnFieldAsync(kit, new { party = new { kind = "State", code = "BE" }, focalPoint = DelegationKit.FocalPoint("BE") }, "members");
    }

    [Fact]
    public async Task A_member_without_is_head_is_refused_on_its_field()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [DelegationKit.Member("BE", 1, isHead: true), new { name = "Member 2 of BE", function = "Adviser", rank = "Expert", email = "member2.be@example.org" }];
        await AssertRefusedOnFieldAsync(kit, DelegationKit.StateWith("BE", members), "members[1].isHead");
    }

    [Fact]
    public async Task Every_invalid_field_is_named_in_one_problem()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [new { name = "", function = "Minister", rank = "Minister", email = "nope", isHead = true }];
        var response = await kit.RegisterRawAsync(new { party = new { kind = "State", code = "ZZ" }, focalPoint = new { name = "Focal point", email = "bad" }, members });
        var problem = await response.ProblemAsync(400, "validation_failed");
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "party.code", "focalPoint.email", "members[0].name", "members[0].email" }, fields);
        Assert.Empty((await kit.DelegationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task A_delegation_without_a_head_is_refused()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [DelegationKit.Member("BE", 1), DelegationKit.Member("BE", 2)];
        await (await kit.RegisterRawAsync(DelegationKit.StateWith("BE", members))).ProblemAsync(422, "exactly_one_head");
        Assert.Empty((await kit.DelegationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task A_delegation_with_two_heads_is_refused()
    {
        var kit = await DelegationKit.CreateAsync(api);
        object[] members = [DelegationKit.Member("BE", 1, isHead: true), DelegationKit.Member("BE", 2, isHead: true)];
        await (await kit.RegisterRawAsync(DelegationKit.StateWith("BE", members))).ProblemAsync(422, "exactly_one_head");
        Assert.Empty((await kit.DelegationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task More_members_than_the_delegation_quota_are_refused()
    {
        var kit = await DelegationKit.CreateAsync(api, delegationQuota: 4);
        await (await kit.RegisterRawAsync(DelegationKit.State("BE", advisers: 4))).ProblemAsync(422, "quota_exceeded");
        Assert.Empty((await kit.DelegationsAsync()).EnumerateArray());

        var atQuota = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 3));
        Assert.Equal(4, atQuota.Body.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Registration_is_refused_before_it_opens_and_after_it_closes()
    {
        var kit = await DelegationKit.CreateAsync(api, open: false);
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"))).ProblemAsync(409, "registration_closed");

        await kit.OpenRegistrationAsync();
        await kit.RegisterAsync(DelegationKit.State("BE"));
        await kit.CloseRegistrationAsync();
        await (await kit.RegisterRawAsync(DelegationKit.State("NL"))).ProblemAsync(409, "registration_closed");

        var listed = Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
        Assert.Equal("BE", listed.GetProperty("party").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Registration_for_an_unpublished_or_unknown_conference_is_not_found()
    {
        var draft = await DelegationKit.CreateAsync(api, publish: false);
        await (await draft.RegisterRawAsync(DelegationKit.State("BE"))).ProblemAsync(404, "not_found");
        await (await api.Anonymous().PostJsonAsync($"/api/conferences/{ApiFixture.NewSlug()}/delegations", DelegationKit.State("BE"))).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task A_second_delegation_of_the_same_state_is_refused_naming_the_party_and_not_its_people()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await kit.RegisterAsync(DelegationKit.State("BE"));
        var before = await kit.DelegationsTextAsync();

        object[] others = [DelegationKit.Member("Belgian second", 1, isHead: true), DelegationKit.Member("Belgian second", 2)];
        var response = await kit.RegisterRawAsync(DelegationKit.StateWith("BE", others, new { name = "Another focal point", email = "another.focal@example.org" }));
        var problem = await response.ProblemAsync(409, "party_already_registered");
        var party = problem.GetProperty("party");
        Assert.Equal("State", party.GetProperty("kind").GetString());
        Assert.Equal("BE", party.GetProperty("code").GetString());
        Assert.Equal("Belgium", party.GetProperty("name").GetString());

        var text = await response.Content.ReadAsStringAsync();
        foreach (var person in new[]
        {
            "Member 1 of BE", "Member 2 of BE", "Member 3 of BE", "member1.be@example.org", "member2.be@example.org", "Focal point of BE", "focal.be@example.org",
            "Member 1 of Belgian second", "Member 2 of Belgian second", "another.focal@example.org", "Another focal point", "example.org",
        })
        {
            Assert.DoesNotContain(person, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await kit.DelegationsTextAsync());
    }

    [Fact]
    public async Task A_second_delegation_of_the_same_organisation_is_refused()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await kit.RegisterAsync(DelegationKit.Organisation("Apple"));
        var problem = await (await kit.RegisterRawAsync(DelegationKit.Organisation("Apple", advisers: 2))).ProblemAsync(409, "party_already_registered");
        Assert.Equal("Apple", problem.GetProperty("party").GetProperty("name").GetString());
        Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task After_its_delegation_withdrew_a_party_may_register_again()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var first = await kit.RegisterAsync(DelegationKit.State("BE"));
        await (await kit.FocalPointClient(first).PostJsonAsync(DelegationKit.DelegationUrl(first.Id, "/withdraw"), new { reason = "The minister cannot travel" })).OkJsonAsync();

        var second = await kit.RegisterAsync(DelegationKit.State("BE"));
        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first.Token, second.Token);

        var listed = (await kit.DelegationsAsync()).EnumerateArray().ToList();
        Assert.Equal(new[] { first.Id, second.Id }, listed.Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal(new[] { "Withdrawn", "Active" }, listed.Select(d => d.GetProperty("status").GetString()));

        // The party is taken again: a third registration is refused.
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"))).ProblemAsync(409, "party_already_registered");
    }

    private static async Task AssertRefusedOnFieldAsync(DelegationKit kit, object body, string field)
    {
        var before = await kit.DelegationsTextAsync();
        var problem = await (await kit.RegisterRawAsync(body)).ProblemAsync(400, "validation_failed");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"Expected an error on {field}, got: {errors}");
        Assert.Equal(JsonValueKind.Array, messages.ValueKind);
        Assert.NotEqual(0, messages.GetArrayLength());
        Assert.Equal(before, await kit.DelegationsTextAsync());
    }
}
