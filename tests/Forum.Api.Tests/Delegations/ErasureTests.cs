using System.Text.Json;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class ErasureTests(ApiFixture api)
{
    // Member 3 of BE, the one erased in these tests, and what identifies him.
    private const string ErasedName = "Member 3 of BE";
    private const string ErasedEmail = "member3.be@example.org";
    private const string ErasedFunction = "Adviser 3 of the delegation of BE";

    private static string PersonalDataUrl(Registered d, Guid memberId) => DelegationKit.DelegationUrl(d.Id, $"/members/{memberId}/personal-data");

    private static void AssertErased(JsonElement member)
    {
        Assert.True(member.GetProperty("erased").GetBoolean(), member.ToString());
        Assert.True(DelegationKit.IsNullOrAbsent(member, "name"), member.ToString());
        Assert.True(DelegationKit.IsNullOrAbsent(member, "email"), member.ToString());
        Assert.True(DelegationKit.IsNullOrAbsent(member, "function"), member.ToString());
    }

    private static void AssertNoTraceOfTheErasedMember(string text)
    {
        Assert.DoesNotContain(ErasedName, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ErasedEmail, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ErasedFunction, text, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<string> TextAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await response.OkJsonAsync();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Every read that could show the member: the delegation, the conference's list, the waiting list and the history.</summary>
    private static async Task<(string Read, string Text)[]> ReadEverythingAsync(DelegationKit kit, Registered delegation) =>
    [
        ("delegation (organiser)", await TextAsync(kit.Organiser, DelegationKit.DelegationUrl(delegation.Id))),
        ("delegation (focal point)", await TextAsync(kit.FocalPointClient(delegation), DelegationKit.DelegationUrl(delegation.Id))),
        ("conference's delegations", await TextAsync(kit.Organiser, kit.Url("/delegations"))),
        ("waiting list", await TextAsync(kit.Protocol, kit.Url("/waiting-list"))),
        ("history (organiser)", await TextAsync(kit.Organiser, DelegationKit.DelegationUrl(delegation.Id, "/history"))),
        ("history (focal point)", await TextAsync(kit.FocalPointClient(delegation), DelegationKit.DelegationUrl(delegation.Id, "/history"))),
    ];

    /// <summary>Nothing of the erased member in any read; the others (not on the waiting list) are still there.</summary>
    private static async Task AssertErasedEverywhereAsync(DelegationKit kit, Registered delegation)
    {
        foreach (var (read, text) in await ReadEverythingAsync(kit, delegation))
        {
            Assert.False(text.Contains(ErasedName, StringComparison.OrdinalIgnoreCase), $"{read} still shows the name: {text}");
            Assert.False(text.Contains(ErasedEmail, StringComparison.OrdinalIgnoreCase), $"{read} still shows the e-mail: {text}");
            Assert.False(text.Contains(ErasedFunction, StringComparison.OrdinalIgnoreCase), $"{read} still shows the function: {text}");
            if (read != "waiting list")
            {
                Assert.True(text.Contains("Member 2 of BE", StringComparison.Ordinal), $"{read} lost Member 2 of BE: {text}");
            }
        }
    }

    /// <summary>A conference of two places, so that Member 3 of BE waits and is on the waiting list.</summary>
    private static async Task<(DelegationKit Kit, Registered Delegation, string Key)> WaitingMemberAsync(ApiFixture api)
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 2);
        var key = Guid.NewGuid().ToString();
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"), key);
        Assert.Equal(ErasedName, delegation.Body.GetProperty("members")[2].GetProperty("name").GetString());
        Assert.Equal("Waiting", DelegationKit.PlaceOf(delegation.Body.GetProperty("members")[2]));

        // Before the erasure, every read shows him (so that the checks below can fail).
        Assert.All(await ReadEverythingAsync(kit, delegation), read => Assert.Contains(ErasedName, read.Text, StringComparison.Ordinal));
        Assert.Contains(ErasedEmail, await TextAsync(kit.Organiser, DelegationKit.DelegationUrl(delegation.Id, "/history")), StringComparison.Ordinal);
        return (kit, delegation, key);
    }

    [Fact]
    public async Task A_protocol_officer_erases_a_members_personal_data_from_every_read()
    {
        var (kit, delegation, _) = await WaitingMemberAsync(api);
        var response = await DelegationKit.SendJsonAsync(kit.Protocol, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(2)));
        var view = await response.OkJsonAsync();
        var erased = DelegationKit.MemberOf(view, delegation.MemberId(2));
        AssertErased(erased);
        Assert.Equal("SeniorOfficial", erased.GetProperty("rank").GetString());
        Assert.Equal("Waiting", DelegationKit.PlaceOf(erased));
        Assert.False(DelegationKit.MemberOf(view, delegation.MemberId(1)).GetProperty("erased").GetBoolean());

        var focalPointView = await (await kit.FocalPointClient(delegation).GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();
        AssertErased(DelegationKit.MemberOf(focalPointView, delegation.MemberId(2)));

        var waiting = Assert.Single((await kit.WaitingListAsync()).GetProperty("waiting").EnumerateArray());
        Assert.True(waiting.GetProperty("erased").GetBoolean());
        Assert.True(DelegationKit.IsNullOrAbsent(waiting, "name"));

        await AssertErasedEverywhereAsync(kit, delegation);
    }

    [Fact]
    public async Task A_replayed_registration_no_longer_shows_the_erased_member()
    {
        var (kit, delegation, key) = await WaitingMemberAsync(api);
        await (await DelegationKit.SendJsonAsync(kit.Protocol, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(2)))).OkJsonAsync();

        var replay = await kit.RegisterRawAsync(DelegationKit.State("BE"), key);
        var body = await replay.OkJsonAsync(201);
        var text = await replay.Content.ReadAsStringAsync();
        AssertNoTraceOfTheErasedMember(text);
        Assert.Contains("Member 1 of BE", text, StringComparison.Ordinal);
        Assert.Contains("member2.be@example.org", text, StringComparison.Ordinal);
        Assert.Equal(delegation.Token, body.GetProperty("accessToken").GetString());
        Assert.Equal(delegation.Id, body.GetProperty("id").GetGuid());
        AssertErased(DelegationKit.MemberOf(body, delegation.MemberId(2)));
        Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task A_focal_point_may_erase_a_member_only_once_withdrawn()
    {
        var (kit, delegation, _) = await WaitingMemberAsync(api);
        var focalPoint = kit.FocalPointClient(delegation);
        var url = PersonalDataUrl(delegation, delegation.MemberId(2));

        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, url)).ProblemAsync(409, "member_not_withdrawn");
        var (unchanged, _) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(ErasedName, DelegationKit.MemberOf(unchanged, delegation.MemberId(2)).GetProperty("name").GetString());

        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(2)}"))).OkJsonAsync();
        var view = await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, url)).OkJsonAsync();
        AssertErased(DelegationKit.MemberOf(view, delegation.MemberId(2)));
        await AssertErasedEverywhereAsync(kit, delegation);
    }

    [Fact]
    public async Task A_focal_point_may_erase_a_replaced_member_and_anyone_once_the_delegation_withdrew()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(2)}"), DelegationKit.Member("BE", 4))).OkJsonAsync();
        AssertErased(DelegationKit.MemberOf(await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(2)))).OkJsonAsync(), delegation.MemberId(2)));

        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(0)))).ProblemAsync(409, "member_not_withdrawn");
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/withdraw"), new { reason = "The minister cannot travel" })).OkJsonAsync();
        var view = await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(0)))).OkJsonAsync();
        AssertErased(DelegationKit.MemberOf(view, delegation.MemberId(0)));
        Assert.DoesNotContain("Member 1 of BE", await kit.DelegationsTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_erasure_the_database_holds_the_members_data_nowhere_in_clear()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var tag = $"BE {Guid.NewGuid():N}";
        var delegation = await kit.RegisterAsync(DelegationKit.StateWith("BE", DelegationKit.Members(tag, 2)), Guid.NewGuid().ToString());
        await (await DelegationKit.SendJsonAsync(kit.Protocol, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(2)))).OkJsonAsync();

        var database = await DelegationKit.DatabaseTextAsync(api);
        Assert.Contains(delegation.Id.ToString(), database, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(DelegationKit.MemberName(tag, 3), database, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(DelegationKit.MemberEmail(tag, 3), database, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain($"Adviser 3 of the delegation of {tag}", database, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Erased_data_stays_erased_after_the_projections_are_rebuilt()
    {
        var (kit, delegation, key) = await WaitingMemberAsync(api);
        await (await DelegationKit.SendJsonAsync(kit.Protocol, HttpMethod.Delete, PersonalDataUrl(delegation, delegation.MemberId(2)))).OkJsonAsync();

        await api.Services.GetRequiredService<Forum.EventStore.EventStore>().RebuildInlineProjectionsAsync();

        var (view, _) = await kit.StaffViewAsync(delegation.Id);
        AssertErased(DelegationKit.MemberOf(view, delegation.MemberId(2)));
        Assert.Equal("Member 2 of BE", DelegationKit.MemberOf(view, delegation.MemberId(1)).GetProperty("name").GetString());
        var waiting = Assert.Single((await kit.WaitingListAsync()).GetProperty("waiting").EnumerateArray());
        Assert.Equal(delegation.MemberId(2), waiting.GetProperty("memberId").GetGuid());
        Assert.True(waiting.GetProperty("erased").GetBoolean());
        await AssertErasedEverywhereAsync(kit, delegation);

        var replay = await kit.RegisterRawAsync(DelegationKit.State("BE"), key);
        await replay.OkJsonAsync(201);
        AssertNoTraceOfTheErasedMember(await replay.Content.ReadAsStringAsync());
    }
}
