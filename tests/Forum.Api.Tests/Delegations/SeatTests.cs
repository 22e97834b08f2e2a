using System.Text.Json;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class SeatTests(ApiFixture api)
{
    private static int rooms;

    private static async Task<Guid> SessionAsync(DelegationKit kit, string kind, bool isPublic, int roomCapacity, string start = "10:30", string end = "12:30")
    {
        var room = await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name = $"Room {Interlocked.Increment(ref rooms)}", capacity = roomCapacity, interpretation = new[] { "en" } })).OkJsonAsync(201);
        var session = await (await kit.Organiser.PostJsonAsync(kit.Url("/sessions"), new
        {
            kind,
            title = $"{kind} session",
            roomId = room.GetProperty("id").GetGuid(),
            start = $"2012-12-05T{start}",
            end = $"2012-12-05T{end}",
            speakers = Array.Empty<string>(),
            isPublic,
        })).OkJsonAsync(201);
        return session.GetProperty("id").GetGuid();
    }

    private static async Task<Registered> AccreditedAsync(DelegationKit kit, object registration)
    {
        var delegation = await kit.RegisterAsync(registration);
        foreach (var member in delegation.Body.GetProperty("members").EnumerateArray())
        {
            await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{member.GetProperty("id").GetGuid()}/accreditation"), new { decision = "approve" })).OkJsonAsync();
        }

        return delegation;
    }

    private static Task<HttpResponseMessage> SeatsAsync(DelegationKit kit, Registered delegation, Guid sessionId, Guid[] memberIds, bool? requestsFloor = null) =>
        kit.FocalPointClient(delegation).PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/seats"), new { sessionId, memberIds, requestsFloor });

    private static JsonElement SeatOf(JsonElement delegation, Guid memberId, Guid sessionId) =>
        DelegationKit.MemberOf(delegation, memberId).GetProperty("seats").EnumerateArray().Single(s => s.GetProperty("sessionId").GetGuid() == sessionId);

    [Fact]
    public async Task Before_publishing_an_organiser_sees_what_will_change_and_how_many_delegations_and_members_hold_seats_in_it()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var workshop = await SessionAsync(kit, "Workshop", isPublic: true, roomCapacity: 40);
        var panel = await SessionAsync(kit, "Panel", isPublic: true, roomCapacity: 40, start: "14:00", end: "15:00");
        var first = await (await kit.Organiser.GetAsync(kit.Url("/agenda/pending"))).OkJsonAsync();
        Assert.False(first.TryGetProperty("from", out _));
        Assert.Equal(["added", "added"], first.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("changes")[0].GetString()));
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).OkJsonAsync();

        var be = await AccreditedAsync(kit, DelegationKit.State("BE"));
        var nl = await AccreditedAsync(kit, DelegationKit.State("NL"));
        await (await SeatsAsync(kit, be, workshop, [be.MemberId(1), be.MemberId(2)])).OkJsonAsync();
        await (await SeatsAsync(kit, nl, panel, [nl.MemberId(1)])).OkJsonAsync();
        var nothing = await (await kit.Organiser.GetAsync(kit.Url("/agenda/pending"))).OkJsonAsync();
        Assert.Equal(1, nothing.GetProperty("from").GetInt32());
        Assert.Equal(0, nothing.GetProperty("sessions").GetArrayLength());

        await (await kit.Organiser.PostJsonAsync(kit.Url($"/sessions/{workshop}/cancel"), new { reason = "The speakers cannot come." })).OkJsonAsync();
        var pending = await (await kit.Organiser.GetAsync(kit.Url("/agenda/pending"))).OkJsonAsync();
        var change = Assert.Single(pending.GetProperty("sessions").EnumerateArray());
        Assert.Equal(workshop, change.GetProperty("sessionId").GetGuid());
        Assert.Equal("cancelled", change.GetProperty("changes")[0].GetString());
        Assert.Equal(1, pending.GetProperty("delegations").GetInt32());
        Assert.Equal(2, pending.GetProperty("members").GetInt32());
        await (await kit.Protocol.GetAsync(kit.Url("/agenda/pending"))).ProblemAsync(403, "forbidden");
    }

    [Fact]
    public async Task Heads_taking_their_seats_after_publication_make_a_new_tour_de_table_that_can_be_published_alone()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var ministerial = await SessionAsync(kit, "Ministerial", isPublic: false, roomCapacity: 100);
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).OkJsonAsync();
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).ProblemAsync(409, "agenda_unchanged");

        var belgium = await AccreditedAsync(kit, DelegationKit.State("BE"));
        await (await SeatsAsync(kit, belgium, ministerial, [belgium.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        var pending = await (await kit.Organiser.GetAsync(kit.Url("/agenda/pending"))).OkJsonAsync();
        var change = Assert.Single(pending.GetProperty("sessions").EnumerateArray());
        Assert.Equal(ministerial, change.GetProperty("sessionId").GetGuid());
        Assert.Equal(["tour-de-table"], change.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));

        Assert.Equal(2, (await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).OkJsonAsync()).GetProperty("version").GetInt32());
        var published = await (await kit.Organiser.GetAsync(kit.Url("/agenda"))).OkJsonAsync();
        var session = published.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateArray()).SelectMany(r => r.GetProperty("sessions").EnumerateArray()).Single();
        Assert.Equal("Member 1 of BE", Assert.Single(session.GetProperty("tourDeTable").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(0, (await (await kit.Organiser.GetAsync(kit.Url("/agenda/pending"))).OkJsonAsync()).GetProperty("sessions").GetArrayLength());
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).ProblemAsync(409, "agenda_unchanged");
    }

    [Fact]
    public async Task Only_accredited_participants_take_seats()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var workshop = await SessionAsync(kit, "Workshop", isPublic: true, roomCapacity: 40);
        var pending = await kit.RegisterAsync(DelegationKit.State("BE"));
        var problem = await (await SeatsAsync(kit, pending, workshop, [pending.MemberId(1)])).ProblemAsync(422, "not_accredited");
        Assert.Equal(pending.MemberId(1), problem.GetProperty("memberId").GetGuid());

        var accredited = await AccreditedAsync(kit, DelegationKit.State("NL"));
        var seated = await (await SeatsAsync(kit, accredited, workshop, [accredited.MemberId(1), accredited.MemberId(2)])).OkJsonAsync();
        Assert.Equal("Held", SeatOf(seated, accredited.MemberId(1), workshop).GetProperty("status").GetString());
        Assert.Equal("Held", SeatOf(seated, accredited.MemberId(2), workshop).GetProperty("status").GetString());

        // Asking again changes nothing; another delegation's token reaches nothing.
        var again = await SeatsAsync(kit, accredited, workshop, [accredited.MemberId(1)]);
        Assert.Equal(seated.GetProperty("version").GetInt64(), (await again.OkJsonAsync()).GetProperty("version").GetInt64());
        await (await kit.FocalPointClient(pending).PostJsonAsync(DelegationKit.DelegationUrl(accredited.Id, "/seats"), new { sessionId = workshop, memberIds = new[] { accredited.MemberId(0) } }))
            .ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task A_ministerial_session_seats_a_head_of_ministerial_rank_and_at_most_one_adviser()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var ministerial = await SessionAsync(kit, "Ministerial", isPublic: false, roomCapacity: 100);
        var state = await AccreditedAsync(kit, DelegationKit.State("BE"));
        await (await SeatsAsync(kit, state, ministerial, [state.MemberId(0), state.MemberId(1)])).OkJsonAsync();
        var second = await (await SeatsAsync(kit, state, ministerial, [state.MemberId(2)])).ProblemAsync(422, "not_entitled_to_seat");
        Assert.Contains("one adviser", second.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var ambassadorLed = await AccreditedAsync(kit, DelegationKit.StateWith("NL", [DelegationKit.Member("NL", 1, isHead: true, rank: "Ambassador"), DelegationKit.Member("NL", 2)]));
        var head = await (await SeatsAsync(kit, ambassadorLed, ministerial, [ambassadorLed.MemberId(0)])).ProblemAsync(422, "not_entitled_to_seat");
        Assert.Contains("Ambassador", head.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A closed session that is not ministerial admits any accredited member.
        var closed = await SessionAsync(kit, "SideEvent", isPublic: false, roomCapacity: 100, start: "14:00", end: "15:00");
        await (await SeatsAsync(kit, ambassadorLed, closed, [ambassadorLed.MemberId(0), ambassadorLed.MemberId(1)])).OkJsonAsync();
    }

    [Fact]
    public async Task A_full_session_has_its_own_line_and_a_seat_given_back_moves_the_first_one_up()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var workshop = await SessionAsync(kit, "Workshop", isPublic: true, roomCapacity: 2);
        var first = await AccreditedAsync(kit, DelegationKit.State("BE"));
        var second = await AccreditedAsync(kit, DelegationKit.State("NL"));
        await (await SeatsAsync(kit, first, workshop, [first.MemberId(0), first.MemberId(1)])).OkJsonAsync();
        var waiting = await (await SeatsAsync(kit, second, workshop, [second.MemberId(0), second.MemberId(1)])).OkJsonAsync();
        Assert.Equal([1L, 2L], new[] { second.MemberId(0), second.MemberId(1) }.Select(m => SeatOf(waiting, m, workshop).GetProperty("waitingPosition").GetInt64()));

        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(first), HttpMethod.Delete, DelegationKit.DelegationUrl(first.Id, $"/seats/{workshop}/{first.MemberId(1)}"))).OkJsonAsync();

        var after = (await kit.StaffViewAsync(second.Id)).Body;
        Assert.Equal("Held", SeatOf(after, second.MemberId(0), workshop).GetProperty("status").GetString());
        Assert.Equal(1, SeatOf(after, second.MemberId(1), workshop).GetProperty("waitingPosition").GetInt64());
        var history = (await (await kit.FocalPointClient(second).GetAsync(DelegationKit.DelegationUrl(second.Id, "/history"))).OkJsonAsync()).EnumerateArray().ToList();
        var moved = history.Single(h => h.GetProperty("type").GetString() == "seat-moved-up");
        Assert.Equal("system:waiting-list", moved.GetProperty("actor").GetString());
        Assert.DoesNotContain(first.Id.ToString(), history.Select(h => h.GetRawText()).Aggregate(string.Concat), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_seat_dies_with_its_cause_and_says_why()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var workshop = await SessionAsync(kit, "Workshop", isPublic: true, roomCapacity: 1);
        var plenary = await SessionAsync(kit, "Plenary", isPublic: true, roomCapacity: 10, start: "14:00", end: "15:00");
        var first = await AccreditedAsync(kit, DelegationKit.State("BE"));
        var second = await AccreditedAsync(kit, DelegationKit.State("NL"));
        await (await SeatsAsync(kit, first, workshop, [first.MemberId(1)])).OkJsonAsync();
        await (await SeatsAsync(kit, second, workshop, [second.MemberId(1)])).OkJsonAsync();
        await (await SeatsAsync(kit, second, plenary, [second.MemberId(1)])).OkJsonAsync();

        // A withdrawn member's seat goes to the first in line.
        var withdrawn = await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(first), HttpMethod.Delete, DelegationKit.DelegationUrl(first.Id, $"/members/{first.MemberId(1)}"))).OkJsonAsync();
        Assert.Equal(0, DelegationKit.MemberOf(withdrawn, first.MemberId(1)).GetProperty("seats").GetArrayLength());
        Assert.Equal("Held", SeatOf((await kit.StaffViewAsync(second.Id)).Body, second.MemberId(1), workshop).GetProperty("status").GetString());

        // A cancelled session ends its seats, and says so.
        await (await kit.Organiser.PostJsonAsync(kit.Url($"/sessions/{plenary}/cancel"), new { reason = "Room flooded" })).OkJsonAsync();
        var ended = SeatOf((await kit.StaffViewAsync(second.Id)).Body, second.MemberId(1), plenary);
        Assert.Equal("Ended", ended.GetProperty("status").GetString());
        Assert.Equal("the session was cancelled", ended.GetProperty("reason").GetString());
        await (await SeatsAsync(kit, second, plenary, [second.MemberId(0)])).ProblemAsync(409, "session_cancelled");

        // A rejected member loses its seats.
        var rejected = await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(second.Id, $"/members/{second.MemberId(1)}/accreditation"), new { decision = "reject", reason = "No credentials" })).OkJsonAsync();
        Assert.Equal(0, DelegationKit.MemberOf(rejected, second.MemberId(1)).GetProperty("seats").GetArrayLength());
    }

    [Fact]
    public async Task The_speaking_order_puts_heads_of_ministerial_rank_first_then_by_rank_then_by_asking()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var ministerial = await SessionAsync(kit, "Ministerial", isPublic: false, roomCapacity: 100);
        object Led(string code, string rank) => DelegationKit.StateWith(code, [DelegationKit.Member(code, 1, isHead: true, rank: rank), DelegationKit.Member(code, 2)]);

        var deputy = await AccreditedAsync(kit, Led("BE", "DeputyMinister"));
        var adviserOnly = await AccreditedAsync(kit, Led("NL", "Minister"));
        var minister = await AccreditedAsync(kit, Led("LU", "Minister"));
        var headOfState = await AccreditedAsync(kit, Led("FR", "HeadOfStateOrGovernment"));
        var laterMinister = await AccreditedAsync(kit, Led("DE", "Minister"));
        var silent = await AccreditedAsync(kit, Led("IT", "Minister"));

        // The order of asking: BE, NL (adviser only), LU, FR, DE; IT takes its seat without asking.
        await (await SeatsAsync(kit, deputy, ministerial, [deputy.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        await (await SeatsAsync(kit, adviserOnly, ministerial, [adviserOnly.MemberId(1)], requestsFloor: true)).OkJsonAsync();
        await (await SeatsAsync(kit, minister, ministerial, [minister.MemberId(0), minister.MemberId(1)], requestsFloor: true)).OkJsonAsync();
        await (await SeatsAsync(kit, headOfState, ministerial, [headOfState.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        await (await SeatsAsync(kit, laterMinister, ministerial, [laterMinister.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        await (await SeatsAsync(kit, silent, ministerial, [silent.MemberId(0)])).OkJsonAsync();

        async Task<List<(string? Party, string? Speaker)>> OrderAsync() =>
            (await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{ministerial}/speaking-order"))).OkJsonAsync()).EnumerateArray()
                .Select(t => (t.GetProperty("party").GetProperty("code").GetString(), t.GetProperty("name").GetString())).ToList();

        Assert.Equal(
            [("FR", "Member 1 of FR"), ("LU", "Member 1 of LU"), ("DE", "Member 1 of DE"), ("BE", "Member 1 of BE"), ("NL", "Member 2 of NL")],
            await OrderAsync());

        // Without its head, LU's adviser speaks for it: among advisers of the same rank, NL asked first.
        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(minister), HttpMethod.Delete, DelegationKit.DelegationUrl(minister.Id, $"/seats/{ministerial}/{minister.MemberId(0)}"))).OkJsonAsync();
        Assert.Equal(
            [("FR", "Member 1 of FR"), ("DE", "Member 1 of DE"), ("BE", "Member 1 of BE"), ("NL", "Member 2 of NL"), ("LU", "Member 2 of LU")],
            await OrderAsync());

        // A delegation that gives back its last seat leaves the order.
        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(minister), HttpMethod.Delete, DelegationKit.DelegationUrl(minister.Id, $"/seats/{ministerial}/{minister.MemberId(1)}"))).OkJsonAsync();
        Assert.DoesNotContain(await OrderAsync(), t => t.Party == "LU");

        var workshop = await SessionAsync(kit, "Workshop", isPublic: true, roomCapacity: 10, start: "14:00", end: "15:00");
        var problem = await (await SeatsAsync(kit, silent, workshop, [silent.MemberId(1)], requestsFloor: true)).ProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("requestsFloor", out _));
    }
    [Fact]
    public async Task A_speaking_order_fixed_by_hand_stays_fixed_while_later_askers_follow_and_leavers_drop_out()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var ministerial = await SessionAsync(kit, "Ministerial", isPublic: false, roomCapacity: 100);
        object Led(string code, string rank) => DelegationKit.StateWith(code, [DelegationKit.Member(code, 1, isHead: true, rank: rank), DelegationKit.Member(code, 2)]);
        var minister = await AccreditedAsync(kit, Led("BE", "Minister"));
        var deputy = await AccreditedAsync(kit, Led("NL", "DeputyMinister"));
        var headOfState = await AccreditedAsync(kit, Led("FR", "HeadOfStateOrGovernment"));
        var silent = await AccreditedAsync(kit, Led("IT", "Minister"));
        foreach (var d in new[] { minister, deputy, headOfState })
        {
            await (await SeatsAsync(kit, d, ministerial, [d.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        }

        await (await SeatsAsync(kit, silent, ministerial, [silent.MemberId(0)])).OkJsonAsync();
        var url = kit.Url($"/sessions/{ministerial}/speaking-order");
        async Task<List<string?>> OrderAsync() =>
            (await (await kit.Organiser.GetAsync(url)).OkJsonAsync()).EnumerateArray().Select(t => t.GetProperty("party").GetProperty("code").GetString()).ToList();
        Assert.Equal(["FR", "BE", "NL"], await OrderAsync());

        var session = await kit.Organiser.GetAsync(kit.Url($"/sessions/{ministerial}"));
        var etag = session.Headers.ETag!.Tag;
        Task<HttpResponseMessage> FixAsync(HttpClient client, Guid[] order, string? ifMatch) =>
            DelegationKit.SendJsonAsync(client, HttpMethod.Put, url, new { delegationIds = order }, ifMatch);

        await (await FixAsync(kit.Organiser, [deputy.Id, minister.Id, headOfState.Id], "\"999\"")).ProblemAsync(412, "precondition_failed");
        await (await FixAsync(kit.Organiser, [deputy.Id, minister.Id, headOfState.Id, silent.Id], etag)).ProblemAsync(422, "not_entitled_to_speak");
        var incomplete = await (await FixAsync(kit.Organiser, [deputy.Id, minister.Id], etag)).ProblemAsync(422, "speaking_order_incomplete");
        Assert.Equal(headOfState.Id, Assert.Single(incomplete.GetProperty("delegationIds").EnumerateArray()).GetGuid());
        await (await FixAsync(kit.Protocol, [deputy.Id, minister.Id, headOfState.Id], etag)).ProblemAsync(403, "forbidden");
        Assert.Equal(["FR", "BE", "NL"], await OrderAsync());

        var fixedOrder = (await (await FixAsync(kit.Organiser, [deputy.Id, minister.Id, headOfState.Id], etag)).OkJsonAsync()).EnumerateArray()
            .Select(t => t.GetProperty("party").GetProperty("code").GetString());
        Assert.Equal(["NL", "BE", "FR"], fixedOrder);
        var view = await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{ministerial}"))).OkJsonAsync();
        Assert.Equal([deputy.Id, minister.Id, headOfState.Id], view.GetProperty("speakingOrder").EnumerateArray().Select(d => d.GetGuid()));

        // Italy asks for the floor now: it follows, whatever its rank; Belgium gives back its seat: it drops out.
        await (await SeatsAsync(kit, silent, ministerial, [silent.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        Assert.Equal(["NL", "BE", "FR", "IT"], await OrderAsync());
        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(minister), HttpMethod.Delete, DelegationKit.DelegationUrl(minister.Id, $"/seats/{ministerial}/{minister.MemberId(0)}"))).OkJsonAsync();
        Assert.Equal(["NL", "FR", "IT"], await OrderAsync());

        // Each is an event of the session, and its view shows the order as it now stands.
        var history = (await (await kit.Organiser.GetAsync(kit.Url("/history"))).OkJsonAsync()).EnumerateArray().Select(h => h.GetProperty("type").GetString()).ToList();
        Assert.Equal(["speaking-order-fixed", "speaking-order-joined", "speaking-order-left"], history.Where(t => t!.StartsWith("speaking-order", StringComparison.Ordinal)));
        var after = await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{ministerial}"))).OkJsonAsync();
        Assert.Equal([deputy.Id, headOfState.Id, silent.Id], after.GetProperty("speakingOrder").EnumerateArray().Select(d => d.GetGuid()));
    }
    [Fact]
    public async Task The_tour_de_table_is_published_for_organisers_only_and_erasure_reaches_published_versions()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var ministerial = await SessionAsync(kit, "Ministerial", isPublic: false, roomCapacity: 100);
        var belgium = await AccreditedAsync(kit, DelegationKit.State("BE"));
        var netherlands = await AccreditedAsync(kit, DelegationKit.State("NL"));
        await (await SeatsAsync(kit, belgium, ministerial, [belgium.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        await (await SeatsAsync(kit, netherlands, ministerial, [netherlands.MemberId(0)], requestsFloor: true)).OkJsonAsync();
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).OkJsonAsync();

        static JsonElement Ministerial(JsonElement agenda) =>
            agenda.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateArray()).SelectMany(r => r.GetProperty("sessions").EnumerateArray())
                .Single(s => s.GetProperty("kind").GetString() == "Ministerial");

        var published = Ministerial(await (await kit.Organiser.GetAsync(kit.Url("/agenda"))).OkJsonAsync()).GetProperty("tourDeTable").EnumerateArray().ToList();
        Assert.Equal(["Belgium", "Netherlands"], published.Select(t => t.GetProperty("party").GetProperty("name").GetString()));
        Assert.Equal("Member 1 of BE", published[0].GetProperty("name").GetString());
        Assert.Equal("Minister of Justice", published[0].GetProperty("function").GetString());
        Assert.Equal("Minister", published[0].GetProperty("rank").GetString());
        Assert.False(published[0].TryGetProperty("person", out _));

        var anonymous = await (await kit.Anonymous.GetAsync(kit.Url("/agenda"))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("tourDeTable", anonymous, StringComparison.Ordinal);
        Assert.DoesNotContain("Member 1 of BE", anonymous, StringComparison.Ordinal);
        var live = await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{ministerial}"))).OkJsonAsync();
        Assert.Equal(2, live.GetProperty("tourDeTable").GetArrayLength());

        // Erasing Belgium's head reaches the version already published.
        await (await DelegationKit.SendJsonAsync(kit.Protocol, HttpMethod.Delete, DelegationKit.DelegationUrl(belgium.Id, $"/members/{belgium.MemberId(0)}/personal-data"))).OkJsonAsync();
        var response = await kit.Organiser.GetAsync(kit.Url("/agenda?version=1"));
        var afterErasure = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Member 1 of BE", afterErasure, StringComparison.Ordinal);
        var first = Ministerial(JsonDocument.Parse(afterErasure).RootElement).GetProperty("tourDeTable")[0];
        Assert.True(first.GetProperty("erased").GetBoolean());
        Assert.Equal("Belgium", first.GetProperty("party").GetProperty("name").GetString());
        Assert.True(response.Headers.CacheControl is { NoStore: true, Private: true });
    }
}
