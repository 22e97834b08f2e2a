using System.Globalization;
using System.Text.Json;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class CapacityTests(ApiFixture api)
{
    /// <summary>The 48 states of the launch of the Global Alliance (2012), the European Commission aside.</summary>
    private static readonly string[] States =
    [
        "AT", "BE", "BG", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI",
        "ES", "SE", "GB", "AL", "AU", "KH", "HR", "GE", "GH", "JP", "MD", "ME", "NZ", "NG", "NO", "PH", "RS", "KR", "CH", "TH", "TR", "UA", "US", "VN",
    ];

    private static Guid[] WaitingIds(JsonElement list) =>
        list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("memberId").GetGuid()).ToArray();

    private static int[] WaitingPositions(JsonElement list) =>
        list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("position").GetInt32()).ToArray();

    /// <summary>Every member of every delegation, in registration order and then in the order each delegation added them.</summary>
    private static List<JsonElement> AllMembers(JsonElement delegations) =>
        delegations.EnumerateArray().SelectMany(d => d.GetProperty("members").EnumerateArray()).ToList();

    private static async Task<(Registered A, Registered B, Registered C)> ThreeDelegationsIntoFivePlacesAsync(DelegationKit kit)
    {
        var a = await kit.RegisterAsync(DelegationKit.State("BE"));
        var b = await kit.RegisterAsync(DelegationKit.State("NL"));
        var c = await kit.RegisterAsync(DelegationKit.State("LU"));
        return (a, b, c);
    }

    [Fact]
    public async Task Members_beyond_the_capacity_wait_in_arrival_order_across_the_conference()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 5);
        var (a, b, c) = await ThreeDelegationsIntoFivePlacesAsync(kit);

        Assert.All(a.Body.GetProperty("members").EnumerateArray(), m => Assert.Equal("Admitted", DelegationKit.PlaceOf(m)));
        Assert.Equal(new[] { "Admitted", "Admitted", "Waiting" }, b.Body.GetProperty("members").EnumerateArray().Select(DelegationKit.PlaceOf));
        Assert.Equal(new int?[] { null, null, 1 }, b.Body.GetProperty("members").EnumerateArray().Select(DelegationKit.WaitingPositionOf));
        Assert.Equal(new[] { "Waiting", "Waiting", "Waiting" }, c.Body.GetProperty("members").EnumerateArray().Select(DelegationKit.PlaceOf));
        Assert.Equal(new int?[] { 2, 3, 4 }, c.Body.GetProperty("members").EnumerateArray().Select(DelegationKit.WaitingPositionOf));

        var list = await kit.WaitingListAsync();
        Assert.Equal(5, list.GetProperty("capacity").GetInt32());
        Assert.Equal(5, list.GetProperty("admitted").GetInt32());
        Assert.Equal(new[] { b.MemberId(2), c.MemberId(0), c.MemberId(1), c.MemberId(2) }, WaitingIds(list));
        Assert.Equal(new[] { 1, 2, 3, 4 }, WaitingPositions(list));
        var firstWaiting = list.GetProperty("waiting")[0];
        Assert.Equal(b.Id, firstWaiting.GetProperty("delegationId").GetGuid());
        Assert.Equal("Netherlands", firstWaiting.GetProperty("party").GetProperty("name").GetString());
        Assert.Equal("Member 3 of NL", firstWaiting.GetProperty("name").GetString());
        Assert.Equal("SeniorOfficial", firstWaiting.GetProperty("rank").GetString());
        Assert.False(firstWaiting.GetProperty("erased").GetBoolean());

        // The conference list shows the same state, delegations in registration order.
        var delegations = await kit.DelegationsAsync();
        Assert.Equal(new[] { a.Id, b.Id, c.Id }, delegations.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal(
            new int?[] { null, null, null, null, null, 1, 2, 3, 4 },
            AllMembers(delegations).Select(DelegationKit.WaitingPositionOf));
    }

    [Fact]
    public async Task A_withdrawn_member_moves_the_first_waiting_member_up_and_the_others_along()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 5);
        var (a, b, c) = await ThreeDelegationsIntoFivePlacesAsync(kit);

        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(a), HttpMethod.Delete, DelegationKit.DelegationUrl(a.Id, $"/members/{a.MemberId(1)}"))).OkJsonAsync();

        var movedUp = DelegationKit.MemberOf((await kit.StaffViewAsync(b.Id)).Body, b.MemberId(2));
        Assert.Equal("Admitted", DelegationKit.PlaceOf(movedUp));
        Assert.Null(DelegationKit.WaitingPositionOf(movedUp));
        var stillWaiting = (await kit.StaffViewAsync(c.Id)).Body.GetProperty("members").EnumerateArray();
        Assert.Equal(new int?[] { 1, 2, 3 }, stillWaiting.Select(DelegationKit.WaitingPositionOf));

        var list = await kit.WaitingListAsync();
        Assert.Equal(5, list.GetProperty("admitted").GetInt32());
        Assert.Equal(new[] { c.MemberId(0), c.MemberId(1), c.MemberId(2) }, WaitingIds(list));
        Assert.Equal(new[] { 1, 2, 3 }, WaitingPositions(list));

        var history = await (await kit.Organiser.GetAsync(DelegationKit.DelegationUrl(b.Id, "/history"))).OkJsonAsync();
        var moved = Assert.Single(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "member-moved-up");

        // The event says why: in the entry's reason or in the event's own data.
        static string? ReasonIn(JsonElement e, string property) => e.TryGetProperty(property, out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        Assert.False(string.IsNullOrWhiteSpace(ReasonIn(moved, "reason") ?? ReasonIn(moved.GetProperty("data"), "reason")), moved.ToString());
    }

    [Fact]
    public async Task A_member_moved_up_sees_nothing_of_the_delegation_whose_change_freed_the_place()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 3);
        var leaving = await kit.RegisterAsync(DelegationKit.State("BE"));
        var waiting = await kit.RegisterAsync(DelegationKit.State("NL"));
        var withdrawal = await kit.FocalPointClient(leaving).PostJsonAsync(DelegationKit.DelegationUrl(leaving.Id, "/withdraw"), new { reason = "Our minister fell ill" });
        await withdrawal.OkJsonAsync();

        var history = await kit.FocalPointClient(waiting).GetStringAsync(DelegationKit.DelegationUrl(waiting.Id, "/history"));
        var moves = JsonDocument.Parse(history).RootElement.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "member-moved-up").ToList();
        Assert.Equal(3, moves.Count);
        Assert.All(moves, m => Assert.Equal("system:waiting-list", m.GetProperty("actor").GetString()));
        Assert.All(moves, m => Assert.Equal("A place was freed: a delegation withdrew.", m.GetProperty("reason").GetString()));
        Assert.DoesNotContain(leaving.Id.ToString(), history, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("minister fell ill", history, StringComparison.Ordinal);
        Assert.DoesNotContain("Belgium", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_withdrawn_waiting_member_leaves_the_list_and_those_behind_move_along()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 5);
        var (_, b, c) = await ThreeDelegationsIntoFivePlacesAsync(kit);

        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(c), HttpMethod.Delete, DelegationKit.DelegationUrl(c.Id, $"/members/{c.MemberId(1)}"))).OkJsonAsync();

        var list = await kit.WaitingListAsync();
        Assert.Equal(5, list.GetProperty("admitted").GetInt32());
        Assert.Equal(new[] { b.MemberId(2), c.MemberId(0), c.MemberId(2) }, WaitingIds(list));
        Assert.Equal(new[] { 1, 2, 3 }, WaitingPositions(list));
    }

    [Fact]
    public async Task A_withdrawn_delegation_frees_all_its_places_in_waiting_order()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 5);
        var (a, b, c) = await ThreeDelegationsIntoFivePlacesAsync(kit);

        await (await kit.FocalPointClient(a).PostJsonAsync(DelegationKit.DelegationUrl(a.Id, "/withdraw"), new { reason = "The minister cannot travel" })).OkJsonAsync();

        Assert.All((await kit.StaffViewAsync(b.Id)).Body.GetProperty("members").EnumerateArray(), m => Assert.Equal("Admitted", DelegationKit.PlaceOf(m)));
        Assert.Equal(new[] { "Admitted", "Admitted", "Waiting" }, (await kit.StaffViewAsync(c.Id)).Body.GetProperty("members").EnumerateArray().Select(DelegationKit.PlaceOf));
        var list = await kit.WaitingListAsync();
        Assert.Equal(5, list.GetProperty("admitted").GetInt32());
        Assert.Equal(new[] { c.MemberId(2) }, WaitingIds(list));
        Assert.Equal(new[] { 1 }, WaitingPositions(list));
    }

    [Fact]
    public async Task A_member_added_to_a_full_conference_waits_at_the_end()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 5);
        var (a, _, c) = await ThreeDelegationsIntoFivePlacesAsync(kit);

        var view = await (await kit.FocalPointClient(a).PostJsonAsync(DelegationKit.DelegationUrl(a.Id, "/members"), DelegationKit.Member("BE", 4))).OkJsonAsync(201);
        var added = view.GetProperty("members")[3];
        Assert.Equal("Waiting", DelegationKit.PlaceOf(added));
        Assert.Equal(5, DelegationKit.WaitingPositionOf(added));
        var list = await kit.WaitingListAsync();
        Assert.Equal(c.MemberId(2), WaitingIds(list)[3]);
        Assert.Equal(added.GetProperty("id").GetGuid(), WaitingIds(list)[4]);
    }

    [Fact]
    public async Task Registrations_through_two_api_processes_at_once_never_admit_more_than_the_capacity()
    {
        const int capacity = 10;
        await using var otherProcess = api.WithWebHostBuilder(_ => { });
        var kit = await DelegationKit.CreateAsync(api, capacity: capacity);
        var codes = States.Take(12).ToArray();
        var processes = new[] { api.CreateClient(), otherProcess.CreateClient() };
        var responses = await Task.WhenAll(codes.Select((code, i) => kit.RegisterRawAsync(DelegationKit.State(code), Guid.NewGuid().ToString(), processes[i % 2])));
        foreach (var response in responses)
        {
            await response.OkJsonAsync(201);
        }

        var delegations = await kit.DelegationsAsync();
        Assert.Equal(12, delegations.GetArrayLength());
        var members = AllMembers(delegations);
        Assert.Equal(capacity, members.Count(m => DelegationKit.PlaceOf(m) == "Admitted"));
        var list = await kit.WaitingListAsync();
        Assert.Equal(capacity, list.GetProperty("admitted").GetInt32());
        Assert.Equal(Enumerable.Range(1, 36 - capacity), WaitingPositions(list));

        // Registration order is arrival order: the first members to register are those admitted.
        AssertInRegistrationOrder(delegations);
        Assert.All(members.Take(capacity), m => Assert.Equal("Admitted", DelegationKit.PlaceOf(m)));
        Assert.Equal(Enumerable.Range(1, 36 - capacity).Select(p => (int?)p), members.Skip(capacity).Select(DelegationKit.WaitingPositionOf));
    }

    /// <summary>The conference's list is in registration order: each delegation registered no earlier than the one before.</summary>
    private static void AssertInRegistrationOrder(JsonElement delegations)
    {
        var registeredAt = delegations.EnumerateArray()
            .Select(d => (Code: d.GetProperty("party").GetProperty("code").GetString(), Text: d.GetProperty("registeredAt").GetString()!))
            .Select(d => (d.Code, d.Text, At: DateTimeOffset.Parse(d.Text, CultureInfo.InvariantCulture)))
            .ToList();
        for (var i = 1; i < registeredAt.Count; i++)
        {
            Assert.True(
                registeredAt[i - 1].At <= registeredAt[i].At,
                $"The list is not in registration order: {registeredAt[i - 1].Code} (registered at {registeredAt[i - 1].Text}) is listed before {registeredAt[i].Code} (registered at {registeredAt[i].Text}).");
        }
    }

    [Fact]
    public async Task A_burst_of_48_delegations_each_sent_three_times_never_admits_more_than_the_capacity_and_keeps_arrival_order()
    {
        const int capacity = 100;
        var kit = await DelegationKit.CreateAsync(api, capacity: capacity);
        var keys = States.ToDictionary(code => code, _ => Guid.NewGuid().ToString(), StringComparer.Ordinal);

        // Every registration is sent three times at once with its key: 144 requests in flight together.
        var sends = States.SelectMany(code => Enumerable.Range(0, 3).Select(async _ => (code, response: await kit.RegisterRawAsync(DelegationKit.State(code), keys[code])))).ToList();
        var answers = await Task.WhenAll(sends);

        var registered = new Dictionary<string, List<Registered>>(StringComparer.Ordinal);
        foreach (var (code, response) in answers)
        {
            var parsed = await DelegationKit.ParseRegisteredAsync(response);
            if (!registered.TryGetValue(code, out var list))
            {
                registered[code] = list = [];
            }

            list.Add(parsed);
        }

        foreach (var (_, three) in registered)
        {
            Assert.Equal(3, three.Count);
            IdempotencyTests.AssertSameAnswer(three[0], three[1]);
            IdempotencyTests.AssertSameAnswer(three[0], three[2]);
        }

        var delegations = await kit.DelegationsAsync();
        Assert.Equal(48, delegations.GetArrayLength());
        Assert.Equal(States.Order(StringComparer.Ordinal), delegations.EnumerateArray().Select(d => d.GetProperty("party").GetProperty("code").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(48, delegations.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()).Distinct().Count());

        var members = AllMembers(delegations);
        Assert.Equal(144, members.Count);
        Assert.Equal(capacity, members.Count(m => DelegationKit.PlaceOf(m) == "Admitted"));
        Assert.Equal(44, members.Count(m => DelegationKit.PlaceOf(m) == "Waiting"));
        Assert.Equal(Enumerable.Range(1, 44).Select(p => (int?)p), members.Select(DelegationKit.WaitingPositionOf).OfType<int>().Order().Select(p => (int?)p));

        // Registration order is arrival order: the first 100 members are admitted, the other 44 wait 1..44 in that order.
        AssertInRegistrationOrder(delegations);
        Assert.All(members.Take(capacity), m => Assert.Equal("Admitted", DelegationKit.PlaceOf(m)));
        Assert.All(members.Skip(capacity), m => Assert.Equal("Waiting", DelegationKit.PlaceOf(m)));
        Assert.Equal(Enumerable.Range(1, 44).Select(p => (int?)p), members.Skip(capacity).Select(DelegationKit.WaitingPositionOf));

        // Each answer said what the list says now.
        foreach (var d in delegations.EnumerateArray())
        {
            var answer = registered[d.GetProperty("party").GetProperty("code").GetString()!][0];
            Assert.Equal(d.GetProperty("id").GetGuid(), answer.Id);
            Assert.Equal(
                d.GetProperty("members").EnumerateArray().Select(m => (DelegationKit.PlaceOf(m), DelegationKit.WaitingPositionOf(m))),
                answer.Body.GetProperty("members").EnumerateArray().Select(m => (DelegationKit.PlaceOf(m), DelegationKit.WaitingPositionOf(m))));
        }

        var waitingList = await kit.WaitingListAsync();
        var waitingBefore = members.Skip(capacity).Select(m => m.GetProperty("id").GetGuid()).ToArray();
        Assert.Equal(capacity, waitingList.GetProperty("capacity").GetInt32());
        Assert.Equal(capacity, waitingList.GetProperty("admitted").GetInt32());
        Assert.Equal(waitingBefore, WaitingIds(waitingList));
        Assert.Equal(Enumerable.Range(1, 44), WaitingPositions(waitingList));

        // Five fully admitted delegations withdraw at once: 15 places free, the first 15 waiting move up in order.
        var leaving = delegations.EnumerateArray().Take(5).Select(d => registered[d.GetProperty("party").GetProperty("code").GetString()!][0]).ToList();
        Assert.All(leaving, d => Assert.All(d.Body.GetProperty("members").EnumerateArray(), m => Assert.Equal("Admitted", DelegationKit.PlaceOf(m))));
        var withdrawals = await Task.WhenAll(leaving.Select(d => kit.FocalPointClient(d).PostJsonAsync(DelegationKit.DelegationUrl(d.Id, "/withdraw"), new { reason = "Travel cancelled" })));
        foreach (var response in withdrawals)
        {
            await response.OkJsonAsync();
        }

        var after = await kit.DelegationsAsync();
        var byId = AllMembers(after).ToDictionary(m => m.GetProperty("id").GetGuid());
        Assert.Equal(capacity, byId.Values.Count(m => DelegationKit.PlaceOf(m) == "Admitted"));
        Assert.All(waitingBefore.Take(15), id => Assert.Equal("Admitted", DelegationKit.PlaceOf(byId[id])));
        Assert.Equal(Enumerable.Range(1, 29).Select(p => (int?)p), waitingBefore.Skip(15).Select(id => DelegationKit.WaitingPositionOf(byId[id])));
        Assert.All(leaving, d => Assert.All(d.Body.GetProperty("members").EnumerateArray(), m => Assert.Equal("None", DelegationKit.PlaceOf(byId[m.GetProperty("id").GetGuid()]))));

        var shifted = await kit.WaitingListAsync();
        Assert.Equal(capacity, shifted.GetProperty("admitted").GetInt32());
        Assert.Equal(waitingBefore.Skip(15), WaitingIds(shifted));
        Assert.Equal(Enumerable.Range(1, 29), WaitingPositions(shifted));
    }
}
