using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Venues;

/// <summary>The roster offline scanners pull: participants with their serials, what changed since a cursor, and the check-ins of every gate.</summary>
[Collection(ApiCollection.Name)]
public sealed class RosterTests(ApiFixture api)
{
    private static async Task<JsonElement> RosterAsync(VenueKit kit, string? since = null, HttpClient? via = null) =>
        await (await (via ?? kit.Protocol).GetAsync(kit.Delegations.Url("/check-in/roster" + (since is null ? "" : "?since=" + Uri.EscapeDataString(since))))).OkJsonAsync();

    private static string Cursor(JsonElement roster) => roster.GetProperty("cursor").GetString()!;

    private static List<Guid> Ids(JsonElement roster, string property) =>
        roster.GetProperty(property).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetGuid() : e.GetProperty("memberId").GetGuid()).ToList();

    private static JsonElement Member(JsonElement roster, Guid memberId) =>
        roster.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("memberId").GetGuid() == memberId);

    [Fact]
    public async Task Without_a_cursor_the_roster_lists_exactly_the_participants_with_their_serials()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var fr = await kit.Delegations.RegisterAsync(DelegationKit.State("FR", advisers: 0));
        await kit.CodeAsync(be.Id, be.MemberId(0));
        await (await kit.Protocol.PostJsonAsync(VenueKit.BadgeUrl(be.Id, be.MemberId(0), "/reissue"), null)).OkJsonAsync();

        var roster = await RosterAsync(kit);

        Assert.True(roster.GetProperty("full").GetBoolean());
        Assert.Empty(roster.GetProperty("removed").EnumerateArray());
        Assert.Empty(roster.GetProperty("checkIns").EnumerateArray());
        // FR's head is not accredited yet: not a participant.
        Assert.Equal([be.MemberId(0), be.MemberId(1)], Ids(roster, "members"));
        var head = Member(roster, be.MemberId(0));
        Assert.Equal(be.Id, head.GetProperty("delegationId").GetGuid());
        Assert.Equal(DelegationKit.MemberName("BE", 1), head.GetProperty("name").GetString());
        Assert.Equal("Belgium", head.GetProperty("party").GetString());
        Assert.Equal("State", head.GetProperty("partyKind").GetString());
        Assert.Equal("Minister of Justice", head.GetProperty("role").GetString());
        Assert.Equal(2, head.GetProperty("serial").GetInt32());
        // No badge issued yet: serial 0, so that any badge issued later is newer.
        Assert.Equal(0, Member(roster, be.MemberId(1)).GetProperty("serial").GetInt32());
        Assert.NotEqual(Guid.Empty, fr.Id);
    }
}
