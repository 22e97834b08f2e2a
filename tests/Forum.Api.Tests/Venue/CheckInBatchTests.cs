using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Forum.Api.Delegations;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Forum.Api.Venues;
using Forum.EventStore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Forum.Api.Tests.Venues;

/// <summary>What deciding scans in batches adds: scans that arrive together are decided together, and never change the answers.</summary>
[Collection(ApiCollection.Name)]
public sealed class CheckInBatchTests(ApiFixture api)
{
    private static readonly string[] States = ["BE", "FR", "DE", "NL", "LU", "IT", "ES", "PT"];

    private sealed record Badge(Guid DelegationId, Guid MemberId, string Name, string Code);

    /// <summary>Accredited delegations of the given states (a head and three advisers each) and every member's badge code.</summary>
    private static async Task<List<Badge>> BadgesAsync(VenueKit kit, IEnumerable<string> states)
    {
        var badges = new List<Badge>();
        foreach (var state in states)
        {
            var delegation = await kit.AccreditedAsync(DelegationKit.State(state, advisers: 3));
            for (var i = 0; i < 4; i++)
            {
                badges.Add(new Badge(delegation.Id, delegation.MemberId(i), DelegationKit.MemberName(state, i + 1), await kit.CodeAsync(delegation.Id, delegation.MemberId(i))));
            }
        }

        return badges;
    }

    private EventStore.EventStore Store => api.Services.GetRequiredService<EventStore.EventStore>();

    private async Task<int> CheckInEventsAsync(Guid memberId) => (await Store.ReadStreamAsync($"checkin-{memberId}")).Count;

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    [Fact]
    public async Task Many_concurrent_scans_of_different_members_check_each_of_them_in_once()
    {
        var kit = await VenueKit.CreateAsync(api);
        var badges = await BadgesAsync(kit, States);

        var answers = await Task.WhenAll(badges.Select((b, i) => kit.CheckInAsync(b.Code, scanId: $"scan-{i}", gate: $"Gate {i % 3}")));

        Assert.Equal(32, answers.Length);
        foreach (var (badge, answer) in badges.Zip(answers))
        {
            Assert.Equal("CheckedIn", Text(answer, "result"));
            Assert.Equal(badge.MemberId, answer.GetProperty("memberId").GetGuid());
            Assert.Equal(badge.DelegationId, answer.GetProperty("delegationId").GetGuid());
            Assert.Equal(badge.Name, Text(answer, "name"));
            Assert.Equal(1, await CheckInEventsAsync(badge.MemberId));
        }

        Assert.Equal(32, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());
    }

    [Fact]
    public async Task Concurrent_scans_of_one_member_with_repeated_and_different_scan_ids_check_it_in_once()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(0));
        var scanIds = Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? "resent" : $"scan-{i}").ToList();

        var answers = await Task.WhenAll(scanIds.Select((scanId, i) => kit.CheckInAsync(code, scanId, gate: $"Gate {i}")));

        Assert.Equal(1, await CheckInEventsAsync(delegation.MemberId(0)));
        var first = Text(answers[0], "scanId");
        Assert.All(answers, a => Assert.Equal(first, Text(a, "scanId")));
        Assert.All(answers, a => Assert.Equal(Text(answers[0], "gate"), Text(a, "gate")));
        Assert.All(answers, a => Assert.Equal(Text(answers[0], "recordedAt"), Text(a, "recordedAt")));

        // The scan that counted, and any resend of it, is answered CheckedIn; every other scan AlreadyCheckedIn.
        Assert.Equal(
            scanIds.Select(s => s == first ? "CheckedIn" : "AlreadyCheckedIn"),
            answers.Select(a => Text(a, "result")));
    }

    [Fact]
    public async Task Refused_scans_decided_with_good_ones_refuse_only_themselves()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 3));
        var fr = await kit.AccreditedAsync(DelegationKit.State("FR", advisers: 3));
        var codes = new Dictionary<string, string>();
        foreach (var (tag, delegation) in new[] { ("be", be), ("fr", fr) })
        {
            for (var i = 0; i < 4; i++)
            {
                codes[$"{tag}{i}"] = await kit.CodeAsync(delegation.Id, delegation.MemberId(i));
            }
        }

        // BE 2 and FR 2 got new badges, BE 3 and FR 3 were erased; BE 1 withdrew and FR 1 was rejected.
        foreach (var (delegation, i) in new[] { (be, 2), (fr, 2) })
        {
            await (await kit.Protocol.PostJsonAsync(VenueKit.BadgeUrl(delegation.Id, delegation.MemberId(i), "/reissue"), null)).OkJsonAsync();
        }

        foreach (var delegation in new[] { be, fr })
        {
            await (await kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(3)}/personal-data"))).OkJsonAsync();
        }

        await (await kit.Delegations.FocalPointClient(be).DeleteAsync(DelegationKit.DelegationUrl(be.Id, $"/members/{be.MemberId(1)}"))).OkJsonAsync();
        await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(fr.Id, $"/members/{fr.MemberId(1)}/accreditation"), new { decision = "reject", reason = "Not invited" })).OkJsonAsync();

        // Live scans at once: each refused scan gets its own problem, the good one checks its member in.
        var live = await Task.WhenAll(new[] { "be1", "be2", "be0", "be3" }.Select(k => kit.CheckInRawAsync(codes[k], scanId: k)));
        await live[0].ProblemAsync(409, "member_not_participant");
        await live[1].ProblemAsync(409, "badge_revoked");
        Assert.Equal("CheckedIn", Text(await live[2].OkJsonAsync(), "result"));
        await live[3].ProblemAsync(409, "member_erased");

        // An offline upload, decided in one batch: the same.
        var upload = await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), new
        {
            scans = new[] { "fr1", "fr0", "fr2", "be0", "fr3" }.Select(k => new { code = codes[k], scanId = $"offline-{k}" }).Append(new { code = VenueKit.Forge(codes["be0"]), scanId = "forged" }),
        })).OkJsonAsync();
        var results = upload.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([409, 200, 409, 200, 409, 422], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(["member_not_participant", "badge_revoked", "member_erased", "badge_invalid"], results.Where(r => r.TryGetProperty("code", out _)).Select(r => Text(r, "code")));
        Assert.Equal("CheckedIn", Text(results[1].GetProperty("checkIn"), "result"));
        Assert.Equal("AlreadyCheckedIn", Text(results[3].GetProperty("checkIn"), "result"));
        Assert.Equal(2, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());
    }

    [Fact]
    public async Task Two_api_processes_on_one_database_check_each_member_in_once()
    {
        var kit = await VenueKit.CreateAsync(api);
        var badges = await BadgesAsync(kit, States.Take(3));

        // A second process: its own host, queues, caches and connection pool, on the same database.
        await using var other = api.WithWebHostBuilder(_ => { });
        using var otherProtocol = other.CreateClient();
        otherProtocol.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token("protocol"));
        var scans = badges.SelectMany(b => Enumerable.Range(0, 6).Select(i => (Badge: b, Via: i % 2 == 0 ? kit.Protocol : otherProtocol, ScanId: $"{b.MemberId:N}-{i}"))).ToList();

        var answers = await Task.WhenAll(scans.Select(async s =>
            (s.Badge, s.ScanId, Answer: await (await s.Via.PostJsonAsync(kit.Delegations.Url("/check-in"), new { code = s.Badge.Code, scanId = s.ScanId })).OkJsonAsync())));

        foreach (var member in answers.GroupBy(a => a.Badge.MemberId))
        {
            Assert.Equal(1, await CheckInEventsAsync(member.Key));
            var first = Assert.Single(member, a => Text(a.Answer, "result") == "CheckedIn");
            Assert.Equal(first.ScanId, Text(first.Answer, "scanId"));
            Assert.All(member, a => Assert.Equal(first.ScanId, Text(a.Answer, "scanId")));
            Assert.All(member, a => Assert.Equal(Text(first.Answer, "recordedAt"), Text(a.Answer, "recordedAt")));
        }

        Assert.Equal(12, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());
    }

    [Fact]
    public async Task An_offline_upload_larger_than_a_batch_counts_each_members_earliest_scan()
    {
        var kit = await VenueKit.CreateAsync(api);
        var badges = (await BadgesAsync(kit, ["BE"])).Take(3).ToList();
        var start = DateTimeOffset.Parse("2012-12-05T08:00:00Z", CultureInfo.InvariantCulture);

        // 1,000 scans of three members, the latest first: each member's earliest scan is near the end of the upload.
        var scans = Enumerable.Range(0, 1000).Select(i => new
        {
            code = badges[i % 3].Code,
            scanId = $"offline-{i}",
            scannedAt = start.AddSeconds(-i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            gate = $"Gate {i % 5}",
        }).ToList();
        var upload = await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), new { scans })).OkJsonAsync();

        Assert.Equal(3, upload.GetProperty("checkedIn").GetInt32());
        Assert.Equal(997, upload.GetProperty("alreadyCheckedIn").GetInt32());
        var checkedIn = upload.GetProperty("results").EnumerateArray().Where(r => Text(r.GetProperty("checkIn"), "result") == "CheckedIn").Select(r => r.GetProperty("index").GetInt32());
        Assert.Equal([997, 998, 999], checkedIn.Order());
        foreach (var result in upload.GetProperty("results").EnumerateArray())
        {
            var index = result.GetProperty("index").GetInt32();
            var earliest = Enumerable.Range(0, 1000).Last(i => i % 3 == index % 3);
            Assert.Equal($"offline-{earliest}", Text(result.GetProperty("checkIn"), "scanId"));
            Assert.Equal(scans[earliest].scannedAt, Text(result.GetProperty("checkIn"), "checkedInAt"));
        }

        foreach (var badge in badges)
        {
            Assert.Equal(1, await CheckInEventsAsync(badge.MemberId));
        }
    }

    [Fact]
    public async Task A_member_checked_in_by_another_writer_while_the_batch_waits_is_answered_as_already_checked_in()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var memberId = delegation.MemberId(0);
        var code = await kit.CodeAsync(delegation.Id, memberId);

        // Another writer (as another process's batch would) holds the member's check-in stream while the scan is decided.
        await using var other = await Store.BeginAsync([$"checkin-{memberId}"]);
        var scan = kit.CheckInAsync(code, scanId: "mine", gate: "North");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await WaitsOnALockAsync() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await other.AppendAsync(
            [new StreamAppend($"checkin-{memberId}", "checkin", ExpectedVersion.NoStream, [new MemberCheckedIn(memberId, delegation.Id, kit.Slug, PartyKind.State, 1, "theirs", SystemClock.Instance.GetCurrentInstant(), "South")])],
            EventMetadata.For("protocol:other"));
        await other.CommitAsync();

        var answer = await scan;
        Assert.Equal("AlreadyCheckedIn", Text(answer, "result"));
        Assert.Equal(("theirs", "South"), (Text(answer, "scanId"), Text(answer, "gate")));
        Assert.Equal(1, await CheckInEventsAsync(memberId));
        Assert.Equal(Text(answer, "recordedAt"), Text(await kit.CheckInAsync(code, scanId: "later"), "recordedAt"));
    }

    /// <summary>Whether a connection of the API waits for an advisory lock (the scan's batch, on the stream the test holds).</summary>
    private async Task<bool> WaitsOnALockAsync()
    {
        await using var cmd = Store.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = 'forum-api'");
        return (long)(await cmd.ExecuteScalarAsync())! > 0;
    }
}
