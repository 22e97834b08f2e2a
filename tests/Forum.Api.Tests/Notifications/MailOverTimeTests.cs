using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Forum.Api.Notifications;
using Forum.Api.Tests.Declarations;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Forum.Api.Tests.Notifications;

/// <summary>Mails that time causes: digests after a quiet period, reminders at 18:00 the day before, report deadlines.</summary>
[Collection(ClockedCollection.Name)]
public sealed class MailOverTimeTests(ClockedApiFixture api, LocalSendGrid sink) : IClassFixture<LocalSendGrid>
{
    private MailNotices Notices => api.Services.GetRequiredService<MailNotices>();

    private MailDigests Digests => api.Services.GetRequiredService<MailDigests>();

    private static string Header(JsonElement arrived, string name) =>
        arrived.GetProperty("headers").EnumerateObject().Single(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value.GetString()!;

    /// <summary>A conference with a delegation whose head and adviser are accredited, and a session each.</summary>
    private async Task<(MailKit Kit, Registered Delegation, Guid First, Guid Second)> SeatedAsync(string day)
    {
        var kit = await MailKit.CreateAsync(api, sink, firstDay: day);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 1));
        await kit.AccreditAsync(delegation, delegation.MemberId(0));
        await kit.AccreditAsync(delegation, delegation.MemberId(1));
        var first = await kit.SessionAsync("Opening plenary", day, "09:00", "10:00");
        var second = await kit.SessionAsync("Working lunch", day, "12:30", "14:00");
        await kit.SeatAsync(delegation, first, delegation.MemberId(0));
        await kit.SeatAsync(delegation, second, delegation.MemberId(1));
        await kit.PublishAsync();
        return (kit, delegation, first, second);
    }

    /// <summary>Waits until the mail projection has opened the conference's digest window up to this version.</summary>
    private async Task AwaitWindowAsync(string slug, int toVersion)
    {
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var cmd = dataSource.CreateCommand($"SELECT to_version FROM \"{api.Schema}\".mail_digests WHERE conference_slug = $1");
            cmd.Parameters.Add(new NpgsqlParameter { Value = slug });
            if (await cmd.ExecuteScalarAsync() is int version && version >= toVersion)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"no digest window up to version {toVersion}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Publications_within_the_quiet_period_make_one_digest_for_the_members_whose_sessions_changed()
    {
        var start = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
        api.Clock.Set(start);
        var (kit, delegation, first, _) = await SeatedAsync("2026-06-10");

        api.Clock.Set(start.AddMinutes(1));
        await kit.MoveAsync(first, "Opening plenary", "2026-06-10", "09:30", "10:30");
        await kit.PublishAsync();
        api.Clock.Set(start.AddMinutes(6));
        await kit.MoveAsync(first, "Opening plenary", "2026-06-10", "10:00", "11:00");
        await kit.PublishAsync();
        await AwaitWindowAsync(kit.Slug, 3);

        // Fifteen minutes after the last publication (the test clock runs on: a minute's margin), not before.
        api.Clock.Set(start.AddMinutes(20));
        await Digests.CloseDueAsync(CancellationToken.None);
        Assert.Empty(await kit.MailsAsync("agenda-digest"));
        api.Clock.Set(start.AddMinutes(22));
        await Digests.CloseDueAsync(CancellationToken.None);
        await Digests.CloseDueAsync(CancellationToken.None);

        var digest = Assert.Single(await kit.MailsAsync("agenda-digest"));
        Assert.Equal(DelegationKit.MemberEmail("BE", 1), digest.GetProperty("to").GetString());
        var arrived = await kit.DeliveredAsync(digest);
        var text = arrived.GetProperty("text").GetString()!;
        Assert.Contains("now version 3", text, StringComparison.Ordinal);
        Assert.Contains("Moved from Wednesday 10 June 2026, 09:00–10:00 (Europe/Brussels) to Wednesday 10 June 2026, 10:00–11:00 (Europe/Brussels)", text, StringComparison.Ordinal);

        // RFC 8058: an https-style link and the one-click header; opening the link changes nothing, posting it stops the list.
        Assert.Equal("List-Unsubscribe=One-Click", Header(arrived, "List-Unsubscribe-Post"));
        var link = new Uri(Header(arrived, "List-Unsubscribe").Trim('<', '>'));
        var client = api.CreateClient();
        var page = await client.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(link.PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]))).StatusCode);
        await (await client.PostAsync(link.PathAndQuery.Replace("agenda-changes.", "reminders.", StringComparison.Ordinal), null)).ProblemAsync(404, "unknown_unsubscribe_link");

        api.Clock.Set(start.AddMinutes(30));
        await kit.MoveAsync(first, "Opening plenary", "2026-06-10", "11:00", "12:00");
        await kit.PublishAsync();
        await AwaitWindowAsync(kit.Slug, 4);
        api.Clock.Set(start.AddMinutes(50));
        await Digests.CloseDueAsync(CancellationToken.None);
        Assert.Single(await kit.MailsAsync("agenda-digest"));
        _ = delegation;
    }

    [Fact]
    public async Task A_rebuild_of_the_mail_projection_mails_no_one_again()
    {
        api.Clock.Reset();
        var kit = await MailKit.CreateAsync(api, sink);
        await kit.RegisterAsync(DelegationKit.State("PT", advisers: 0));
        await kit.AwaitMailsAsync("registration-received", 1);

        // Three days on, the outbox of this conference gone: a rebuild replays the registration, which is too old to mail.
        api.Clock.Set(DateTimeOffset.UtcNow.AddDays(3));
        await using (var cmd = api.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"DELETE FROM \"{api.Schema}\".mail_outbox WHERE conference_slug = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = kit.Slug });
            await cmd.ExecuteNonQueryAsync();
        }

        var daemon = api.Services.GetRequiredService<Forum.EventStore.Projections.ProjectionDaemon>();
        var generation = await daemon.RequestRebuildAsync(MailProjection.ProjectionName);
        var clock = Stopwatch.StartNew();
        while ((await daemon.StatusAsync()).Single(s => s.Name == MailProjection.ProjectionName && s.Active).Generation != generation)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the rebuild did not finish");
            await Task.Delay(50);
        }

        // A registration made now is mailed; the replayed one is not.
        api.Clock.Reset();
        await kit.RegisterAsync(DelegationKit.State("IT", advisers: 0));
        var mails = await kit.AwaitMailsAsync("registration-received", 1);
        Assert.Equal(["focal.it@example.org"], mails.Select(m => m.GetProperty("to").GetString()));
    }

    public static TheoryData<string, DateTimeOffset> DaysAfterTheClocksChange => new()
    {
        // Brussels leaves summer time on 25 October 2026: 18:00 that evening is 17:00 UTC.
        { "2026-10-26", new DateTimeOffset(2026, 10, 25, 17, 0, 0, TimeSpan.Zero) },

        // and enters it on 29 March 2026: 18:00 that evening is 16:00 UTC.
        { "2026-03-30", new DateTimeOffset(2026, 3, 29, 16, 0, 0, TimeSpan.Zero) },
    };

    [Theory]
    [MemberData(nameof(DaysAfterTheClocksChange))]
    public async Task The_reminder_goes_at_18_00_local_time_the_day_before_even_on_a_day_the_clocks_change(string day, DateTimeOffset due)
    {
        api.Clock.Set(due.AddDays(-2));
        var (kit, _, _, _) = await SeatedAsync(day);

        api.Clock.Set(due.AddSeconds(-1));
        await Notices.RemindAsync(CancellationToken.None);
        Assert.Empty(await kit.MailsAsync("reminder"));

        api.Clock.Set(due);
        await Notices.RemindAsync(CancellationToken.None);
        await Notices.RemindAsync(CancellationToken.None);
        var reminders = await kit.MailsAsync("reminder");
        Assert.Equal(2, reminders.Count);
        var head = await kit.DeliveredAsync(reminders.Single(m => m.GetProperty("to").GetString() == DelegationKit.MemberEmail("BE", 1)));
        Assert.StartsWith("Tomorrow at", head.GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Contains("Opening plenary", head.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("09:00–10:00", head.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Working lunch", head.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("List-Unsubscribe=One-Click", Header(head, "List-Unsubscribe-Post"));
    }

    [Fact]
    public async Task A_missing_progress_report_is_reminded_30_and_7_days_before_the_deadline_once_each()
    {
        var kit = await DeclarationKit.CreateAsync(api, new DateTimeOffset(2024, 6, 3, 10, 0, 0, TimeSpan.Zero));
        var reporter = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var late = await kit.AccreditedAsync(DelegationKit.State("FR", advisers: 0));
        var id = await kit.OpenAsync();
        await kit.SignAsync(id, reporter);
        await kit.SignAsync(id, late);
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/reports"), DeclarationKit.Report(reporter.Id, 2024, "Achieved", "Achieved", 5m))).OkJsonAsync();

        async Task<List<JsonElement>> DeadlineMailsAsync() =>
            (await (await kit.Organiser.GetAsync($"/api/conferences/{kit.Slug}/mail")).OkJsonAsync()).EnumerateArray()
                .Where(m => m.GetProperty("kind").GetString() == "report-deadline").ToList();

        // The 2024 reports close at the end of 31 March 2025 in Brussels (22:00 UTC).
        api.Clock.Set(new DateTimeOffset(2025, 3, 1, 21, 0, 0, TimeSpan.Zero));
        await Notices.ReportDeadlinesAsync(CancellationToken.None);
        Assert.Empty(await DeadlineMailsAsync());

        api.Clock.Set(new DateTimeOffset(2025, 3, 2, 10, 0, 0, TimeSpan.Zero));
        await Notices.ReportDeadlinesAsync(CancellationToken.None);
        await Notices.ReportDeadlinesAsync(CancellationToken.None);
        var thirty = Assert.Single(await DeadlineMailsAsync());
        Assert.Equal("focal.fr@example.org", thirty.GetProperty("to").GetString());
        Assert.Contains("due in 30 days", thirty.GetProperty("subject").GetString(), StringComparison.Ordinal);

        api.Clock.Set(new DateTimeOffset(2025, 3, 26, 10, 0, 0, TimeSpan.Zero));
        await Notices.ReportDeadlinesAsync(CancellationToken.None);
        var mails = await DeadlineMailsAsync();
        Assert.Equal(2, mails.Count);
        Assert.Contains("due in 6 days", mails[1].GetProperty("subject").GetString(), StringComparison.Ordinal);

        // Once the report is in, nothing more.
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/reports"), DeclarationKit.Report(late.Id, 2024, "InProgress", "InProgress", 2m))).OkJsonAsync();
        api.Clock.Set(new DateTimeOffset(2025, 3, 30, 10, 0, 0, TimeSpan.Zero));
        await Notices.ReportDeadlinesAsync(CancellationToken.None);
        Assert.Equal(2, (await DeadlineMailsAsync()).Count);
    }
}
