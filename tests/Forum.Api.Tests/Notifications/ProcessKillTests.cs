extern alias mailsink;

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using MailSinkHost = mailsink::Forum.MailSink.MailSinkHost;

namespace Forum.Api.Tests.Notifications;

/// <summary>
/// Two real API processes on one database, each with its Quartz scheduler and the mail-dispatch job, sending to the
/// local SendGrid (which posts its signed events to the second one's webhook); the first is killed with SIGKILL while
/// mails are going out.
/// </summary>
public sealed class ProcessKillTests(ITestOutputHelper output)
{
    private const string Key = "SG.kill-test";
    private const int Mails = 1500;

    private Func<Task<string>>? Diagnose { get; set; }

    [Fact]
    public async Task A_killed_process_leaves_no_mail_unsent_and_none_sent_twice()
    {
        // An API in this process, on Kestrel, with no scheduler: it makes the schema, writes the outbox and receives
        // SendGrid's signed events (as any instance behind the load balancer would); it sends nothing.
        await using var writer = new OutboxOnlyApi();
        var dataSource = writer.Services.GetRequiredService<NpgsqlDataSource>();
        var signingKey = Path.GetTempFileName();
        await File.WriteAllTextAsync(signingKey, writer.WebhookKey.ExportPkcs8PrivateKeyPem());
        await using var sink = MailSinkHost.Build([
            "--urls=http://127.0.0.1:0", $"--MailSink:ApiKeys={Key}", $"--MailSink:WebhookUrl=http://127.0.0.1:{writer.Port}/webhooks/sendgrid",
            $"--MailSink:SigningKeyFile={signingKey}", "--MailSink:WebhookRetryDelayMs=200", "--Logging:LogLevel:Default=Warning"]);
        await sink.StartAsync();
        File.Delete(signingKey);
        using var control = new HttpClient { BaseAddress = new Uri(sink.Urls.Single()) };

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Forum"] = Environment.GetEnvironmentVariable("FORUM_TEST_DB")!,
            ["EventStore__Schema"] = writer.Schema,
            ["Auth__SigningKey"] = writer.SigningKey,
            ["PersonalData__MasterKey"] = writer.MasterKey,
            ["SendGrid__BaseUrl"] = control.BaseAddress!.ToString(),
            ["SendGrid__ApiKey"] = Key,
            ["SendGrid__WebhookPublicKey"] = Convert.ToBase64String(writer.WebhookKey.ExportSubjectPublicKeyInfo()),
        };
        await using var first = ApiProcess.Start("first", environment);
        await using var second = ApiProcess.Start("second", environment);
        ApiProcess[] processes = [first, second];
        Diagnose = async () =>
        {
            await using var cmd = dataSource.CreateCommand($"SELECT string_agg(state || ' ' || coalesce(leased_by, '-') || ' ' || n, '; ') FROM (SELECT state, leased_by, count(*) n FROM \"{writer.Schema}\".mail_outbox GROUP BY 1, 2) x");
            return $"sink has {await ArrivedAsync(control)}; outbox: {await cmd.ExecuteScalarAsync()}; " +
                string.Join("\n", processes.Select(p => $"{p.Name} (pid {p.Pid}):\n{p.Tail(15)}"));
        };
        await Task.WhenAll(processes.Select(p => p.WaitStartedAsync(TimeSpan.FromSeconds(120))));
        var nodes = $"SELECT count(*) FROM \"{Jobs.SchemaFor(writer.Schema)}\".qrtz_scheduler_state";
        await WaitUntilAsync(async () => await ScalarAsync(dataSource, nodes) == 2, TimeSpan.FromSeconds(30), "both processes to check in as cluster nodes");

        // Each send answered after 200 ms (accepted at once, as SendGrid does when slow): the mails go out over seconds,
        // and the process that is sending dies with sends in flight that SendGrid accepted but it never marked.
        (await control.PostAsJsonAsync("/control/faults", new { next = Enumerable.Repeat(new { delayMs = 200 }, Mails) })).EnsureSuccessStatusCode();
        var (slug, mails, _) = await MailTestKit.EnqueueAsync(writer, Mails, "kill{0}@example.org");
        var leasedBy = $"SELECT count(*) FROM \"{writer.Schema}\".mail_outbox WHERE conference_slug = $1 AND leased_by LIKE $2";
        ApiProcess? doomed = null;
        await WaitUntilAsync(async () =>
        {
            if (await ArrivedAsync(control) < Mails / 5)
            {
                return false;
            }

            foreach (var p in processes)
            {
                if (await ScalarAsync(dataSource, leasedBy, slug, $"%/{p.Pid}/%") > 0)
                {
                    doomed = p;
                    return true;
                }
            }

            return false;
        }, TimeSpan.FromSeconds(60), "a process to be sending");
        doomed!.Kill();
        var killedAt = Stopwatch.StartNew();
        var survivor = processes.Single(p => p != doomed);
        var arrivedAtKill = await ArrivedAsync(control);
        Assert.True(arrivedAtKill < Mails, "every mail went out before the kill: the test proves nothing");

        // The survivor's scheduler fires mail-dispatch within seconds (the dead node's firing recovered, or the next one);
        // the dead node is dropped from the cluster.
        await WaitUntilAsync(async () => await ArrivedAsync(control) > arrivedAtKill, TimeSpan.FromSeconds(10), "the survivor to send after the kill");
        var carriedOnAfter = killedAt.Elapsed;

        // The mails the dead process had claimed do not wait for their leases (10 s): its presence lock ended with its
        // session, so the survivor takes them over within the 5 s the deployment promises.
        var heldByDead = $"SELECT count(*) FROM \"{writer.Schema}\".mail_outbox WHERE conference_slug = $1 AND state = 'Waiting' AND leased_by LIKE $2";
        await WaitUntilAsync(async () => await ScalarAsync(dataSource, heldByDead, slug, $"%/{doomed.Pid}/%") == 0, TimeSpan.FromSeconds(30), "the dead process's claims to be taken over");
        var takenOverAfter = killedAt.Elapsed;
        Assert.True(takenOverAfter < TimeSpan.FromSeconds(5), $"the dead process's claims were taken over {takenOverAfter.TotalSeconds:N1} s after the kill");

        // Quartz takes the node that stopped checking in for dead, and recovers what it had fired, within 5 s too.
        await WaitUntilAsync(async () => await ScalarAsync(dataSource, nodes) == 1, TimeSpan.FromSeconds(30), "the dead node to be dropped from the cluster");
        var droppedAfter = killedAt.Elapsed;
        Assert.True(droppedAfter < TimeSpan.FromSeconds(5), $"Quartz dropped the dead node {droppedAfter.TotalSeconds:N1} s after the kill");
        var sent = $"SELECT count(*) FROM \"{writer.Schema}\".mail_outbox WHERE conference_slug = $1 AND state = 'Sent'";
        await WaitUntilAsync(async () => await ScalarAsync(dataSource, sent, slug) == Mails, TimeSpan.FromSeconds(90), "every mail to be marked sent");
        var allSentAfter = killedAt.Elapsed;
        Assert.False(survivor.HasExited, survivor.Tail());

        // Every mail arrived, each exactly once: a mail the dead process had sent but not marked was recognised by
        // SendGrid's events about it (keyed by its message id) and marked, not sent again.
        var subjects = await SubjectsAsync(control);
        var expected = mails.Select((_, i) => $"Test mail {i}").ToHashSet();
        Assert.Equal(expected.Order(), subjects.Where(expected.Contains).Distinct().Order());
        var twice = subjects.Where(expected.Contains).GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} mails arrived twice: {string.Join(", ", twice.Take(10))}");
        var again = await ScalarAsync(dataSource, $"SELECT count(*) FROM \"{writer.Schema}\".mail_outbox WHERE conference_slug = $1 AND attempts > 1", slug);
        output.WriteLine($"{arrivedAtKill} of {Mails} mails had arrived when {doomed.Name} was killed; the survivor sent again {carriedOnAfter.TotalSeconds:N1} s later " +
            $"and had taken over the dead process's claims {takenOverAfter.TotalSeconds:N1} s after the kill; Quartz dropped the dead node after {droppedAfter.TotalSeconds:N1} s; " +
            $"{again} mails were claimed again after the kill; all marked sent {allSentAfter.TotalSeconds:N1} s after it");
    }

    private static async Task<int> ArrivedAsync(HttpClient control)
    {
        using var stats = JsonDocument.Parse(await control.GetStringAsync("/api/stats"));
        return stats.RootElement.GetProperty("messages").GetInt32();
    }

    private static async Task<List<string>> SubjectsAsync(HttpClient control)
    {
        using var all = JsonDocument.Parse(await control.GetStringAsync("/api/messages"));
        return all.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("subject").GetString()!).ToList();
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < within, $"waited {within.TotalSeconds:N0} s for {what}; {await (Diagnose?.Invoke() ?? Task.FromResult(""))}");
            await Task.Delay(50);
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The API in this process with no scheduler: it makes the schema and writes the outbox, and sends nothing.</summary>
    private sealed class OutboxOnlyApi : ApiFixture
    {
        public OutboxOnlyApi()
        {
            Port = ApiProcess.FreePort();
            UseKestrel(Port);
        }

        public int Port { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Jobs:Enabled", "false");
        }
    }
}
