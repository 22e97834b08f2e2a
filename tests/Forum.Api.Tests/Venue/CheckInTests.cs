using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Venues;

[Collection(ApiCollection.Name)]
public sealed class CheckInTests(ApiFixture api)
{
    private static DateTimeOffset Time(JsonElement element, string property) =>
        DateTimeOffset.Parse(element.GetProperty(property).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_second_scan_answers_already_checked_in_with_when_and_where()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(1));

        var first = await kit.CheckInAsync(code, scanId: "scan-1", gate: "North gate");
        Assert.Equal("CheckedIn", first.GetProperty("result").GetString());
        Assert.Equal(delegation.MemberId(1), first.GetProperty("memberId").GetGuid());
        Assert.Equal("Member 2 of BE", first.GetProperty("name").GetString());
        Assert.Equal("North gate", first.GetProperty("gate").GetString());
        Assert.Equal("Belgium", first.GetProperty("party").GetProperty("name").GetString());

        var second = await kit.CheckInAsync(code, scanId: "scan-2", gate: "South gate");
        Assert.Equal("AlreadyCheckedIn", second.GetProperty("result").GetString());
        Assert.Equal("North gate", second.GetProperty("gate").GetString());
        Assert.Equal(Time(first, "checkedInAt"), Time(second, "checkedInAt"));
        Assert.Equal("scan-1", second.GetProperty("scanId").GetString());

        var withoutScanId = await kit.CheckInAsync(code);
        Assert.Equal("AlreadyCheckedIn", withoutScanId.GetProperty("result").GetString());

        var summary = await kit.SummaryAsync();
        Assert.Equal(1, summary.GetProperty("checkedIn").GetInt32());
    }

    [Fact]
    public async Task The_same_scan_sent_again_is_the_same_check_in()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(0));

        var first = await kit.CheckInRawAsync(code, scanId: "lost-answer", gate: "A");
        await first.OkJsonAsync();
        var again = await kit.CheckInRawAsync(code, scanId: "lost-answer", gate: "A");
        var body = await again.OkJsonAsync();
        Assert.Equal("CheckedIn", body.GetProperty("result").GetString());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Concurrent_scans_of_one_badge_check_the_member_in_once()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(0));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => kit.CheckInAsync(code, scanId: $"scan-{i}", gate: $"gate {i}")));
        var first = Assert.Single(answers, a => a.GetProperty("result").GetString() == "CheckedIn");
        Assert.All(answers, a => Assert.Equal(first.GetProperty("gate").GetString(), a.GetProperty("gate").GetString()));
        Assert.All(answers, a => Assert.Equal(Time(first, "recordedAt"), Time(a, "recordedAt")));
    }

    [Fact]
    public async Task Withdrawn_rejected_and_erased_members_badges_are_refused()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 3));
        var codes = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            codes.Add(await kit.CodeAsync(delegation.Id, delegation.MemberId(i)));
        }

        var focalPoint = kit.Delegations.FocalPointClient(delegation);
        await (await focalPoint.DeleteAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(1)}"))).OkJsonAsync();
        await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(2)}/accreditation"), new { decision = "reject", reason = "Not invited" })).OkJsonAsync();
        await (await kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{delegation.MemberId(3)}/personal-data"))).OkJsonAsync();

        await (await kit.CheckInRawAsync(codes[1])).ProblemAsync(409, "member_not_participant");
        await (await kit.CheckInRawAsync(codes[2])).ProblemAsync(409, "member_not_participant");
        await (await kit.CheckInRawAsync(codes[3])).ProblemAsync(409, "member_erased");
        Assert.Equal("CheckedIn", (await kit.CheckInAsync(codes[0])).GetProperty("result").GetString());

        // A withdrawn delegation's members are no longer participants either.
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/withdraw"), new { reason = "Cannot travel" })).OkJsonAsync();
        await (await kit.CheckInRawAsync(codes[0], scanId: "after-withdrawal")).ProblemAsync(409, "member_not_participant");
    }

    [Fact]
    public async Task An_offline_batch_keeps_each_scan_time_and_answers_scan_by_scan()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var org = await kit.AccreditedAsync(DelegationKit.Organisation("Interpol", "InternationalOrganisation", advisers: 1));
        var codes = new[]
        {
            await kit.CodeAsync(be.Id, be.MemberId(0)),
            await kit.CodeAsync(be.Id, be.MemberId(1)),
            await kit.CodeAsync(org.Id, org.MemberId(0)),
        };
        var before = DateTimeOffset.UtcNow;

        // 23:30 UTC on 4 December is 00:30 on 5 December in Brussels: the day counts in the conference's zone.
        var response = await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), new
        {
            scans = new object[]
            {
                new { code = codes[0], scanId = "s1", scannedAt = "2012-12-05T08:30:00Z", gate = "North" },
                new { code = codes[1], scanId = "s2", scannedAt = "2012-12-04T23:30:00Z", gate = "North" },
                new { code = codes[0], scanId = "s3", scannedAt = "2012-12-05T09:45:00Z", gate = "South" },
                new { code = "forged.code", scanId = "s4", scannedAt = "2012-12-05T09:50:00Z" },
                new { code = codes[0], scanId = "s1", scannedAt = "2012-12-05T08:30:00Z", gate = "North" },
            },
        });
        var batch = await response.OkJsonAsync();
        Assert.Equal(5, batch.GetProperty("scans").GetInt32());
        Assert.Equal(3, batch.GetProperty("checkedIn").GetInt32());
        Assert.Equal(1, batch.GetProperty("alreadyCheckedIn").GetInt32());
        Assert.Equal(1, batch.GetProperty("refused").GetInt32());
        var results = batch.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3, 4], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([200, 200, 200, 422, 200], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal("badge_invalid", results[3].GetProperty("code").GetString());

        var first = results[0].GetProperty("checkIn");
        Assert.Equal("CheckedIn", first.GetProperty("result").GetString());
        Assert.Equal(DateTimeOffset.Parse("2012-12-05T08:30:00Z", System.Globalization.CultureInfo.InvariantCulture), Time(first, "checkedInAt"));
        Assert.True(Time(first, "recordedAt") >= before.AddSeconds(-5), "the upload time is when the server received the scan");
        Assert.Equal("AlreadyCheckedIn", results[2].GetProperty("checkIn").GetProperty("result").GetString());
        Assert.Equal("North", results[2].GetProperty("checkIn").GetProperty("gate").GetString());
        Assert.Equal("CheckedIn", results[4].GetProperty("checkIn").GetProperty("result").GetString());

        var summary = await kit.SummaryAsync();
        Assert.Equal(4, summary.GetProperty("participants").GetInt32());
        Assert.Equal(2, summary.GetProperty("checkedIn").GetInt32());
        Assert.Equal("Europe/Brussels", summary.GetProperty("timeZone").GetString());
        var byKind = summary.GetProperty("byPartyKind").EnumerateArray().Select(k => (k.GetProperty("kind").GetString(), k.GetProperty("participants").GetInt32(), k.GetProperty("checkedIn").GetInt32())).ToList();
        Assert.Equal([("State", 2, 2), ("InternationalOrganisation", 2, 0)], byKind);
        var byDay = summary.GetProperty("byDay").EnumerateArray().Select(d => (d.GetProperty("day").GetString(), d.GetProperty("checkedIn").GetInt32())).ToList();
        Assert.Equal([("2012-12-05", 2)], byDay);

        // The scan time and the gate reach the list of participants too.
        var csv = await (await kit.Protocol.GetAsync(kit.Delegations.Url("/participants.csv"))).Content.ReadAsStringAsync();
        Assert.Contains("2012-12-05T08:30:00Z,North", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scans_are_validated()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(0));
        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

        var problem = await (await kit.CheckInRawAsync(code, scannedAt: future)).ProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("scannedAt", out _));
        await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in"), new { scanId = "x" })).ProblemAsync(400, "validation_failed");
        await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in"), new { code, gate = new string('g', 101) })).ProblemAsync(400, "validation_failed");
        await (await kit.Protocol.PostJsonAsync(kit.Delegations.Url("/check-in/batch"), new { scans = Array.Empty<object>() })).ProblemAsync(400, "validation_failed");
        await (await kit.Protocol.PostRawAsync(kit.Delegations.Url("/check-in"), $$"""{"code":"{{code}}","badge":1}""")).ProblemAsync(400, "unknown_field");
        await (await kit.Protocol.PostJsonAsync($"/api/conferences/{ApiFixture.NewSlug()}/check-in", new { code })).ProblemAsync(404, "not_found");
        Assert.Equal(0, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());
    }
}
