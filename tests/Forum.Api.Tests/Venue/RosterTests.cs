using System.Text;
using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Forum.EventStore;
using Microsoft.Extensions.DependencyInjection;

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

    private static void AssertNothingNew(JsonElement roster)
    {
        Assert.False(roster.GetProperty("full").GetBoolean());
        Assert.Empty(roster.GetProperty("members").EnumerateArray());
        Assert.Empty(roster.GetProperty("removed").EnumerateArray());
        Assert.Empty(roster.GetProperty("checkIns").EnumerateArray());
    }

    [Fact]
    public async Task A_reissue_an_accreditation_a_withdrawal_and_an_erasure_each_appear_at_the_next_pull_and_nothing_else_does()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 2));
        var fr = await kit.Delegations.RegisterAsync(DelegationKit.State("FR", advisers: 0));
        await kit.CodeAsync(be.Id, be.MemberId(0));
        var cursor = Cursor(await RosterAsync(kit));
        AssertNothingNew(await RosterAsync(kit, cursor));

        // A re-issued badge: its member, with the new serial, and nobody else.
        await (await kit.Protocol.PostJsonAsync(VenueKit.BadgeUrl(be.Id, be.MemberId(0), "/reissue"), null)).OkJsonAsync();
        var roster = await RosterAsync(kit, cursor);
        Assert.False(roster.GetProperty("full").GetBoolean());
        Assert.Equal([be.MemberId(0)], Ids(roster, "members"));
        Assert.Equal(2, Member(roster, be.MemberId(0)).GetProperty("serial").GetInt32());
        Assert.Empty(roster.GetProperty("removed").EnumerateArray());
        cursor = Cursor(roster);

        // A new accreditation: the member joins the roster.
        await kit.ApproveAsync(fr.Id, fr.MemberId(0));
        roster = await RosterAsync(kit, cursor);
        Assert.Equal([fr.MemberId(0)], Ids(roster, "members"));
        Assert.Equal(DelegationKit.MemberName("FR", 1), Member(roster, fr.MemberId(0)).GetProperty("name").GetString());
        Assert.Equal(0, Member(roster, fr.MemberId(0)).GetProperty("serial").GetInt32());
        Assert.Empty(roster.GetProperty("removed").EnumerateArray());
        cursor = Cursor(roster);

        // A member withdrawn by the focal point: removed; the delegation's other participants are sent again.
        var withdrawn = await kit.Delegations.FocalPointClient(be).DeleteAsync(DelegationKit.DelegationUrl(be.Id, $"/members/{be.MemberId(2)}"));
        Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
        roster = await RosterAsync(kit, cursor);
        Assert.Equal([be.MemberId(2)], Ids(roster, "removed"));
        Assert.Equal([be.MemberId(0), be.MemberId(1)], Ids(roster, "members"));
        cursor = Cursor(roster);

        // An erased member: removed, and the name is nowhere in the answer, with or without a cursor.
        await (await kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(be.Id, $"/members/{be.MemberId(1)}/personal-data"))).OkJsonAsync();
        var response = await kit.Protocol.GetAsync(kit.Delegations.Url("/check-in/roster?since=" + Uri.EscapeDataString(cursor)));
        var text = await response.Content.ReadAsStringAsync();
        roster = await response.OkJsonAsync();
        Assert.Contains(be.MemberId(1), Ids(roster, "removed"));
        Assert.DoesNotContain(be.MemberId(1), Ids(roster, "members"));
        Assert.DoesNotContain(DelegationKit.MemberName("BE", 2), text, StringComparison.Ordinal);
        var whole = await RosterAsync(kit);
        Assert.Equal([be.MemberId(0), fr.MemberId(0)], Ids(whole, "members"));
        Assert.DoesNotContain(DelegationKit.MemberName("BE", 2), whole.GetRawText(), StringComparison.Ordinal);

        // Nothing changed since: nothing new, from either cursor's answer.
        AssertNothingNew(await RosterAsync(kit, Cursor(roster)));
        AssertNothingNew(await RosterAsync(kit, Cursor(whole)));
    }

    [Fact]
    public async Task Check_ins_at_gate_A_appear_in_gate_B_next_pull_with_their_gate_and_scan_time()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var code = await kit.CodeAsync(be.Id, be.MemberId(1));
        var gateB = Cursor(await RosterAsync(kit));

        var scannedAt = DateTimeOffset.UtcNow.AddMinutes(-3).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        await kit.CheckInAsync(code, scanId: "gate-a-1", gate: "Gate A", scannedAt: scannedAt);

        var roster = await RosterAsync(kit, gateB);
        var checkIn = Assert.Single(roster.GetProperty("checkIns").EnumerateArray());
        Assert.Equal(be.MemberId(1), checkIn.GetProperty("memberId").GetGuid());
        Assert.Equal("gate-a-1", checkIn.GetProperty("scanId").GetString());
        Assert.Equal("Gate A", checkIn.GetProperty("gate").GetString());
        Assert.Equal(DateTimeOffset.Parse(scannedAt, System.Globalization.CultureInfo.InvariantCulture), checkIn.GetProperty("scannedAt").GetDateTimeOffset());
        Assert.False(checkIn.GetProperty("duplicate").GetBoolean());
        // A check-in changes no participant.
        Assert.Empty(roster.GetProperty("members").EnumerateArray());
        AssertNothingNew(await RosterAsync(kit, Cursor(roster)));
        Assert.Single((await RosterAsync(kit)).GetProperty("checkIns").EnumerateArray());
    }

    [Fact]
    public async Task A_badge_admitted_offline_at_two_gates_is_counted_once_with_both_scans_kept_and_the_second_flagged()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var code = await kit.CodeAsync(be.Id, be.MemberId(0));
        var cursor = Cursor(await RosterAsync(kit));
        var store = api.Services.GetRequiredService<EventStore.EventStore>();

        // Both gates let the badge in while offline; gate A's scan was first and syncs first.
        var gateA = new { scans = new[] { new { code, scanId = "a-1", scannedAt = "2012-12-05T08:40:00Z", gate = "Gate A", admitted = true } } };
        var gateB = new { scans = new[] { new { code, scanId = "b-1", scannedAt = "2012-12-05T08:41:00Z", gate = "Gate B", admitted = true } } };
        var first = (await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), gateA)).OkJsonAsync()).GetProperty("results")[0].GetProperty("checkIn");
        Assert.Equal("CheckedIn", first.GetProperty("result").GetString());
        for (var upload = 0; upload < 2; upload++)
        {
            // Sent twice (the scanner did not get the first answer): recorded once.
            var second = (await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), gateB)).OkJsonAsync()).GetProperty("results")[0];
            Assert.Equal(200, second.GetProperty("status").GetInt32());
            Assert.Equal("AlreadyCheckedIn", second.GetProperty("checkIn").GetProperty("result").GetString());
            Assert.Equal("Gate A", second.GetProperty("checkIn").GetProperty("gate").GetString());
            Assert.Equal("a-1", second.GetProperty("checkIn").GetProperty("scanId").GetString());
        }

        // A later scan the scanner did not admit (it showed "already checked in") records nothing, as before.
        Assert.Equal("AlreadyCheckedIn", (await kit.CheckInAsync(code, scanId: "b-2", gate: "Gate B")).GetProperty("result").GetString());
        Assert.Equal(["member-checked-in", "member-admitted-again"], (await store.ReadStreamAsync($"checkin-{be.MemberId(0)}")).Select(e => e.TypeName));

        var summary = await kit.SummaryAsync();
        Assert.Equal(1, summary.GetProperty("checkedIn").GetInt32());
        var gate = Assert.Single(summary.GetProperty("byGate").EnumerateArray());
        Assert.Equal("Gate A", gate.GetProperty("gate").GetString());
        Assert.Equal(1, gate.GetProperty("checkedIn").GetInt32());
        var look = Assert.Single(summary.GetProperty("needsALook").EnumerateArray());
        Assert.Equal(be.MemberId(0), look.GetProperty("memberId").GetGuid());
        Assert.Equal(DelegationKit.MemberName("BE", 1), look.GetProperty("name").GetString());
        Assert.Equal("b-1", look.GetProperty("scanId").GetString());
        Assert.Equal("Gate B", look.GetProperty("gate").GetString());
        Assert.Equal("Gate A", look.GetProperty("firstGate").GetString());

        // Every gate learns both scans, the second flagged.
        foreach (var roster in new[] { await RosterAsync(kit, cursor), await RosterAsync(kit) })
        {
            var scans = roster.GetProperty("checkIns").EnumerateArray().ToList();
            Assert.Equal(["a-1", "b-1"], scans.Select(s => s.GetProperty("scanId").GetString()));
            Assert.Equal([false, true], scans.Select(s => s.GetProperty("duplicate").GetBoolean()));
            Assert.Equal(["Gate A", "Gate B"], scans.Select(s => s.GetProperty("gate").GetString()));
        }
    }

    [Fact]
    public async Task Two_offline_scans_of_one_badge_in_one_upload_keep_both_and_flag_the_later()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(be.Id, be.MemberId(0));

        // Sent in the wrong order: the earlier scan counts.
        var upload = new
        {
            scans = new[]
            {
                new { code, scanId = "b-1", scannedAt = "2012-12-05T08:41:00Z", gate = "Gate B", admitted = true },
                new { code, scanId = "a-1", scannedAt = "2012-12-05T08:40:00Z", gate = "Gate A", admitted = true },
            },
        };
        var results = (await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), upload)).OkJsonAsync()).GetProperty("results");
        Assert.Equal("AlreadyCheckedIn", results[0].GetProperty("checkIn").GetProperty("result").GetString());
        Assert.Equal("CheckedIn", results[1].GetProperty("checkIn").GetProperty("result").GetString());

        var summary = await kit.SummaryAsync();
        Assert.Equal(1, summary.GetProperty("checkedIn").GetInt32());
        Assert.Equal("b-1", Assert.Single(summary.GetProperty("needsALook").EnumerateArray()).GetProperty("scanId").GetString());
    }

    [Fact]
    public async Task A_member_checked_in_by_hand_keeps_the_reason_in_the_event_and_every_gate_learns_it()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(be.Id, be.MemberId(0));
        var gateB = Cursor(await RosterAsync(kit));

        await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), new
        {
            scans = new[] { new { code, scanId = "by-hand-1", gate = "Gate A", admitted = true, reason = "Badge left at the hotel" } },
        })).OkJsonAsync();

        var checkIn = Assert.Single((await RosterAsync(kit, gateB)).GetProperty("checkIns").EnumerateArray());
        Assert.Equal("Badge left at the hotel", checkIn.GetProperty("reason").GetString());
        var store = api.Services.GetRequiredService<EventStore.EventStore>();
        var recorded = Assert.IsType<Forum.Api.Venues.MemberCheckedIn>(Assert.Single(await store.ReadStreamAsync($"checkin-{be.MemberId(0)}")).Data);
        Assert.Equal("Badge left at the hotel", recorded.Reason);

        // A reason is a short text: anything else is refused, and records nothing.
        await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in"), new { code, scanId = "by-hand-2", reason = new string('x', 101) }))
            .ProblemAsync(400, "validation_failed");
        Assert.Single((await RosterAsync(kit)).GetProperty("checkIns").EnumerateArray());
    }

    [Fact]
    public async Task An_admitted_scan_without_a_scan_id_is_refused_and_records_nothing()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(be.Id, be.MemberId(0));

        await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in"), new { code, admitted = true })).ProblemAsync(400, "validation_failed");

        Assert.Equal(0, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());
    }

    public static TheoryData<string> MalformedCursors => new()
    {
        "yesterday",
        "1.",
        "1.!!!",
        "2." + Convert.ToBase64String(Encoding.ASCII.GetBytes("10:20:")),
        "1." + VenueKit.ToBase64Url(Encoding.ASCII.GetBytes("20:10:")),
        "1." + VenueKit.ToBase64Url(Encoding.ASCII.GetBytes("10:20:25")),
        "1." + VenueKit.ToBase64Url(Encoding.ASCII.GetBytes("10:20:15,12")),
        "1." + VenueKit.ToBase64Url(Encoding.ASCII.GetBytes("0:0:")),
        "1." + VenueKit.ToBase64Url(Encoding.ASCII.GetBytes("99999999999999999999:99999999999999999999:")),
    };

    [Theory]
    [MemberData(nameof(MalformedCursors))]
    public async Task A_malformed_cursor_is_a_400_problem_with_a_code(string cursor)
    {
        var kit = await VenueKit.CreateAsync(api);

        await (await kit.Protocol.GetAsync(kit.Delegations.Url("/check-in/roster?since=" + Uri.EscapeDataString(cursor)))).ProblemAsync(400, "invalid_cursor");
    }

    [Fact]
    public async Task The_roster_is_for_protocol_and_organisers_only()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var url = kit.Delegations.Url("/check-in/roster");

        await (await kit.Anonymous.GetAsync(url)).ProblemAsync(401, "unauthenticated");
        await (await kit.Delegations.FocalPointClient(be).GetAsync(url)).ProblemAsync(403, "forbidden");
        Assert.Single((await RosterAsync(kit, via: kit.Organiser)).GetProperty("members").EnumerateArray());
        await (await kit.Protocol.GetAsync("/api/conferences/no-such-conference/check-in/roster")).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Asked_again_with_its_ETag_the_roster_answers_304_until_something_changes()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var url = kit.Delegations.Url("/check-in/roster");
        var first = await kit.Protocol.GetAsync(url);
        await first.OkJsonAsync();
        var etag = first.Headers.ETag!;

        var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(System.Net.HttpStatusCode.NotModified, (await kit.Protocol.SendAsync(again)).StatusCode);

        await kit.CheckInAsync(await kit.CodeAsync(be.Id, be.MemberId(0)), scanId: "a-1", gate: "Gate A");
        var changed = new HttpRequestMessage(HttpMethod.Get, url);
        changed.Headers.IfNoneMatch.Add(etag);
        var answer = await kit.Protocol.SendAsync(changed);
        Assert.Single((await answer.OkJsonAsync()).GetProperty("checkIns").EnumerateArray());
        Assert.NotEqual(etag, answer.Headers.ETag);
    }
}
