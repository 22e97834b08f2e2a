using System.Text.Json;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

/// <summary>What protocol officers work from: the members awaiting a decision, and who moved up from the waiting list.</summary>
[Collection(ApiCollection.Name)]
public sealed class QueueTests(ApiFixture api)
{
    private static string AccreditationUrl(Guid delegationId, Guid memberId) => DelegationKit.DelegationUrl(delegationId, $"/members/{memberId}/accreditation");

    private static Guid[] QueuedIds(JsonElement queue) => queue.EnumerateArray().Select(q => q.GetProperty("memberId").GetGuid()).ToArray();

    [Fact]
    public async Task The_queue_holds_the_members_awaiting_a_decision_the_longest_waiting_first_with_their_delegations_version()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var be = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 1));
        var fr = await kit.RegisterAsync(DelegationKit.State("FR", advisers: 0));

        // A member added to Belgium after France registered waits less long than France's head.
        var added = await (await kit.FocalPointClient(be).PostJsonAsync(DelegationKit.DelegationUrl(be.Id, "/members"), DelegationKit.Member("BE", 3))).OkJsonAsync(201);
        var late = added.GetProperty("members")[2].GetProperty("id").GetGuid();
        await (await kit.Protocol.PostJsonAsync(AccreditationUrl(be.Id, be.MemberId(1)), new { decision = "approve" })).OkJsonAsync();

        var queue = await (await kit.Protocol.GetAsync(kit.Url("/accreditation-queue"))).OkJsonAsync();
        Assert.Equal(new[] { be.MemberId(0), fr.MemberId(0), late }, QueuedIds(queue));
        var first = queue[0];
        Assert.Equal("Belgium", first.GetProperty("party").GetProperty("name").GetString());
        Assert.Equal(DelegationKit.MemberName("BE", 1), first.GetProperty("name").GetString());
        Assert.Equal("Admitted", first.GetProperty("place").GetProperty("status").GetString());
        var (_, etag) = await kit.StaffViewAsync(be.Id);
        Assert.Equal(DelegationKit.Version(etag), first.GetProperty("delegationVersion").GetInt64());
        var times = queue.EnumerateArray().Select(q => q.GetProperty("since").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);

        // Organisers read it too; a focal point cannot.
        Assert.Equal(3, (await (await kit.Organiser.GetAsync(kit.Url("/accreditation-queue"))).OkJsonAsync()).GetArrayLength());
        Assert.False((await kit.FocalPointClient(be).GetAsync(kit.Url("/accreditation-queue"))).IsSuccessStatusCode);

        // A withdrawn delegation's members leave it.
        await (await kit.FocalPointClient(fr).PostJsonAsync(DelegationKit.DelegationUrl(fr.Id, "/withdraw"), new { reason = "cannot travel" })).OkJsonAsync();
        Assert.Equal(new[] { be.MemberId(0), late }, QueuedIds(await (await kit.Protocol.GetAsync(kit.Url("/accreditation-queue"))).OkJsonAsync()));
    }

    [Fact]
    public async Task The_members_who_moved_up_are_listed_with_the_reason_the_place_freed()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 2);
        var be = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 2));
        Assert.Empty((await (await kit.Protocol.GetAsync(kit.Url("/waiting-list/moved-up"))).OkJsonAsync()).EnumerateArray());

        await (await kit.Protocol.PostJsonAsync(AccreditationUrl(be.Id, be.MemberId(1)), new { decision = "reject", reason = "Not on the list of the ministry" })).OkJsonAsync();

        var moved = await (await kit.Protocol.GetAsync(kit.Url("/waiting-list/moved-up"))).OkJsonAsync();
        var move = Assert.Single(moved.EnumerateArray());
        Assert.Equal(be.MemberId(2), move.GetProperty("memberId").GetGuid());
        Assert.Equal(DelegationKit.MemberName("BE", 3), move.GetProperty("name").GetString());
        Assert.Equal("Belgium", move.GetProperty("party").GetProperty("name").GetString());
        Assert.Equal("A place was freed: a member's accreditation was rejected.", move.GetProperty("reason").GetString());
        Assert.Empty((await kit.WaitingListAsync()).GetProperty("waiting").EnumerateArray());
    }
}
