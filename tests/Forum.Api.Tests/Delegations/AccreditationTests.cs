using System.Globalization;
using System.Text.Json;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class AccreditationTests(ApiFixture api)
{
    private static string AccreditationUrl(Registered d, Guid memberId) => DelegationKit.DelegationUrl(d.Id, $"/members/{memberId}/accreditation");

    private static async Task<JsonElement> DecideAsync(DelegationKit kit, Registered d, Guid memberId, string decision, string? reason = null) =>
        await (await kit.Protocol.PostJsonAsync(AccreditationUrl(d, memberId), new { decision, reason })).OkJsonAsync();

    private static Guid[] WaitingIds(JsonElement list) =>
        list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("memberId").GetGuid()).ToArray();

    [Fact]
    public async Task A_protocol_officer_approves_a_member_with_the_officer_and_the_time()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var response = await kit.Protocol.PostJsonAsync(AccreditationUrl(delegation, delegation.MemberId(0)), new { decision = "approve" }, delegation.ETag);
        var view = await response.OkJsonAsync();
        var accreditation = view.GetProperty("members")[0].GetProperty("accreditation");
        Assert.Equal("Approved", accreditation.GetProperty("status").GetString());
        Assert.Contains("test-protocol", accreditation.GetProperty("decidedBy").GetString(), StringComparison.Ordinal);
        var decidedAt = DateTimeOffset.Parse(accreditation.GetProperty("decidedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(decidedAt, before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(DelegationKit.Version(response.Headers.ETag!.Tag) > DelegationKit.Version(delegation.ETag));

        // The others are untouched, and the focal point sees the decision.
        var seen = await (await kit.FocalPointClient(delegation).GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();
        Assert.Equal(new[] { "Approved", "Pending", "Pending" }, seen.GetProperty("members").EnumerateArray().Select(DelegationKit.AccreditationOf));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_rejection_without_a_reason_is_refused_on_reason(string? reason)
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var problem = await (await kit.Protocol.PostJsonAsync(AccreditationUrl(delegation, delegation.MemberId(1)), new { decision = "reject", reason })).ProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _), problem.ToString());

        var (view, etag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(delegation.ETag, etag);
        Assert.Equal("Pending", DelegationKit.AccreditationOf(view.GetProperty("members")[1]));
    }

    [Fact]
    public async Task An_unknown_decision_is_refused()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var response = await kit.Protocol.PostJsonAsync(AccreditationUrl(delegation, delegation.MemberId(1)), new { decision = "maybe" });
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(delegation.ETag, (await kit.StaffViewAsync(delegation.Id)).ETag);
    }

    [Fact]
    public async Task A_rejected_member_frees_its_place_for_the_first_waiting_member()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 3);
        var first = await kit.RegisterAsync(DelegationKit.State("BE"));
        var second = await kit.RegisterAsync(DelegationKit.State("NL", advisers: 1));
        Assert.Equal(new[] { second.MemberId(0), second.MemberId(1) }, WaitingIds(await kit.WaitingListAsync()));

        var view = await DecideAsync(kit, first, first.MemberId(2), "reject", "Not a member of the government");
        var rejected = view.GetProperty("members")[2];
        Assert.Equal("Rejected", DelegationKit.AccreditationOf(rejected));
        Assert.Equal("Not a member of the government", rejected.GetProperty("accreditation").GetProperty("reason").GetString());
        Assert.Contains("test-protocol", rejected.GetProperty("accreditation").GetProperty("decidedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal("None", DelegationKit.PlaceOf(rejected));

        var moved = await kit.StaffViewAsync(second.Id);
        Assert.Equal("Admitted", DelegationKit.PlaceOf(moved.Body.GetProperty("members")[0]));
        Assert.Equal("Waiting", DelegationKit.PlaceOf(moved.Body.GetProperty("members")[1]));
        Assert.Equal(1, DelegationKit.WaitingPositionOf(moved.Body.GetProperty("members")[1]));

        var list = await kit.WaitingListAsync();
        Assert.Equal(3, list.GetProperty("admitted").GetInt32());
        Assert.Equal(new[] { second.MemberId(1) }, WaitingIds(list));
        Assert.Equal(1, list.GetProperty("waiting")[0].GetProperty("position").GetInt32());

        var history = await (await kit.Organiser.GetAsync(DelegationKit.DelegationUrl(second.Id, "/history"))).OkJsonAsync();
        Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "member-moved-up");
    }

    [Fact]
    public async Task A_rejected_member_approved_again_waits_at_the_end_when_no_place_is_free()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 3);
        var first = await kit.RegisterAsync(DelegationKit.State("BE"));
        var second = await kit.RegisterAsync(DelegationKit.State("NL", advisers: 1));
        await DecideAsync(kit, first, first.MemberId(2), "reject", "Not a member of the government");

        var view = await DecideAsync(kit, first, first.MemberId(2), "approve");
        var member = view.GetProperty("members")[2];
        Assert.Equal("Approved", DelegationKit.AccreditationOf(member));
        Assert.Equal("Waiting", DelegationKit.PlaceOf(member));
        Assert.Equal(2, DelegationKit.WaitingPositionOf(member));

        var list = await kit.WaitingListAsync();
        Assert.Equal(3, list.GetProperty("admitted").GetInt32());
        Assert.Equal(new[] { second.MemberId(1), first.MemberId(2) }, WaitingIds(list));
        Assert.Equal(new[] { 1, 2 }, list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("position").GetInt32()));
    }

    [Fact]
    public async Task A_rejected_member_approved_again_gets_a_free_place_back()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 3);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var rejected = await DecideAsync(kit, delegation, delegation.MemberId(1), "reject", "Missing credentials");
        Assert.Equal("None", DelegationKit.PlaceOf(rejected.GetProperty("members")[1]));
        Assert.Equal(2, (await kit.WaitingListAsync()).GetProperty("admitted").GetInt32());

        var approved = await DecideAsync(kit, delegation, delegation.MemberId(1), "approve");
        Assert.Equal("Approved", DelegationKit.AccreditationOf(approved.GetProperty("members")[1]));
        Assert.Equal("Admitted", DelegationKit.PlaceOf(approved.GetProperty("members")[1]));
        Assert.Equal(3, (await kit.WaitingListAsync()).GetProperty("admitted").GetInt32());
    }

    [Fact]
    public async Task A_decision_can_be_revised_and_each_is_in_the_history()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        await DecideAsync(kit, delegation, delegation.MemberId(0), "approve");
        var rejected = await DecideAsync(kit, delegation, delegation.MemberId(0), "reject", "Credentials withdrawn by the ministry");
        Assert.Equal("Rejected", DelegationKit.AccreditationOf(rejected.GetProperty("members")[0]));
        var approved = await DecideAsync(kit, delegation, delegation.MemberId(0), "approve");
        Assert.Equal("Approved", DelegationKit.AccreditationOf(approved.GetProperty("members")[0]));

        var history = await (await kit.Protocol.GetAsync(DelegationKit.DelegationUrl(delegation.Id, "/history"))).OkJsonAsync();
        var text = history.ToString();
        Assert.Contains("Credentials withdrawn by the ministry", text, StringComparison.Ordinal);
        var versions = history.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.True(history.EnumerateArray().Count(e => e.GetProperty("actor").GetString()!.Contains("test-protocol", StringComparison.Ordinal)) >= 3);
    }

    [Fact]
    public async Task A_decision_with_a_stale_if_match_is_refused_and_nothing_changes()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var approved = await kit.Protocol.PostJsonAsync(AccreditationUrl(delegation, delegation.MemberId(0)), new { decision = "approve" }, delegation.ETag);
        await approved.OkJsonAsync();

        await (await kit.Protocol.PostJsonAsync(AccreditationUrl(delegation, delegation.MemberId(1)), new { decision = "reject", reason = "Stale" }, delegation.ETag)).ProblemAsync(412, "precondition_failed");
        var (view, etag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(approved.Headers.ETag?.Tag, etag);
        Assert.Equal("Pending", DelegationKit.AccreditationOf(view.GetProperty("members")[1]));
    }

    [Fact]
    public async Task An_organiser_may_not_decide_an_accreditation()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        await (await kit.Organiser.PostJsonAsync(AccreditationUrl(delegation, delegation.MemberId(0)), new { decision = "approve" })).ProblemAsync(403, "forbidden");
        var (view, etag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(delegation.ETag, etag);
        Assert.Equal("Pending", DelegationKit.AccreditationOf(view.GetProperty("members")[0]));
    }
}
