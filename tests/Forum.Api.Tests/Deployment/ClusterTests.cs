extern alias mailsink;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Notifications;
using Xunit.Abstractions;
using MailSinkHost = mailsink::Forum.MailSink.MailSinkHost;

namespace Forum.Api.Tests.Deployment;

/// <summary>
/// Forum as a deployment runs it: two API processes and the web client behind nginx (Debian's package), one PostgreSQL,
/// the local SendGrid; under a mixed load of registrations, agenda writes, feed reads and page reads, both API processes
/// are restarted in turn with SIGTERM, then one is killed with SIGKILL.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private const string MailKey = "SG.cluster-test";
    private const int Workers = 8;

    [Fact]
    public async Task Behind_nginx_a_rolling_restart_fails_no_request_and_a_killed_process_loses_no_acknowledged_write()
    {
        var schema = "cluster_" + Guid.NewGuid().ToString("N")[..12];
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        using var webhookKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var nginx = new Nginx(ApiProcess.FreePort(), [ApiProcess.FreePort(), ApiProcess.FreePort()], ApiProcess.FreePort());
        var pem = Path.GetTempFileName();
        await File.WriteAllTextAsync(pem, webhookKey.ExportPkcs8PrivateKeyPem());
        await using var sink = MailSinkHost.Build([
            "--urls=http://127.0.0.1:0", $"--MailSink:ApiKeys={MailKey}", $"--MailSink:WebhookUrl={nginx.Address}webhooks/sendgrid",
            $"--MailSink:SigningKeyFile={pem}", "--Logging:LogLevel:Default=Warning"]);
        await sink.StartAsync();
        File.Delete(pem);
        using var mail = new HttpClient { BaseAddress = new Uri(sink.Urls.Single()) };

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Forum"] = Environment.GetEnvironmentVariable("FORUM_TEST_DB")!,
            ["EventStore__Schema"] = schema,
            ["Auth__SigningKey"] = signingKey,
            ["PersonalData__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["SendGrid__BaseUrl"] = mail.BaseAddress!.ToString(),
            ["SendGrid__ApiKey"] = MailKey,
            ["SendGrid__WebhookPublicKey"] = Convert.ToBase64String(webhookKey.ExportSubjectPublicKeyInfo()),
        };
        var apis = new ApiProcess?[2];
        try
        {
            apis[0] = ApiProcess.Start("api-1", environment, nginx.ApiPorts[0]);
            apis[1] = ApiProcess.Start("api-2", environment, nginx.ApiPorts[1]);
            await using var web = ApiProcess.StartWeb("web", new Dictionary<string, string> { ["ForumApi__BaseUrl"] = nginx.Address.ToString() }, nginx.WebPort);
            await Task.WhenAll(apis.Select(a => a!.WaitReadyAsync(TimeSpan.FromSeconds(180))).Append(web.WaitStartedAsync(TimeSpan.FromSeconds(120))));
            await nginx.StartAsync();

            // A new connection to nginx for each request: a reload of nginx closes its idle client connections, and a
            // POST sent on one at that instant fails in the client whatever the servers behind do (clients retry
            // idempotent requests there; for a POST it is theirs to decide).
            using var http = new HttpClient { BaseAddress = nginx.Address, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.ConnectionClose = true;
            var organiser = StaffTokenHandler.Issue(signingKey, "cluster-test", Roles.Organiser, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
            var (slug, rooms) = await SetUpConferenceAsync(http, organiser);
            using var load = new Load(http, organiser, slug, rooms);

            // A rolling restart as an orchestrator does it: each process in turn is taken out of nginx, gets SIGTERM,
            // finishes what it serves, exits, comes back and is put back once ready.
            var running = load.RunAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            var timeline = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                await nginx.SetDownAsync(nginx.ApiPorts[i], true);
                apis[i]!.Terminate();
                timeline.Add($"{Load.Now} SIGTERM api-{i + 1}");
                await apis[i]!.WaitExitedAsync(TimeSpan.FromSeconds(60));
                timeline.Add($"{Load.Now} api-{i + 1} exited");
                await apis[i]!.DisposeAsync();
                apis[i] = ApiProcess.Start($"api-{i + 1}-again", environment, nginx.ApiPorts[i]);
                await apis[i]!.WaitReadyAsync(TimeSpan.FromSeconds(180));
                await nginx.SetDownAsync(nginx.ApiPorts[i], false);
                timeline.Add($"{Load.Now} api-{i + 1} ready again and back in nginx");
            }

            output.WriteLine(string.Join('\n', timeline));

            var restarted = load.Done.Count;
            var failedInRestart = load.Done.Where(o => !o.Succeeded).ToList();
            Assert.True(failedInRestart.Count == 0, failedInRestart.Count == 0 ? "" : $"{failedInRestart.Count} of {restarted} requests failed during the rolling restart, from " +
                $"{failedInRestart.Min(o => o.Started)} to {failedInRestart.Max(o => o.Ended)}: " +
                string.Join("; ", failedInRestart.Take(5).Select(o => $"{o.Kind} {o.Status} {o.Error}")) + "\n" + string.Join('\n', timeline) + "\n" + nginx.ErrorLog());

            // SIGKILL: no shutdown at all. The survivor takes over the projections, Quartz's jobs and the dispatcher.
            var doomed = apis[0]!;
            var survivor = apis[1]!;
            doomed.Kill();
            var killedAt = Load.Now;
            // SIGKILL is delivered at once, but the process's sockets close only once it is gone.
            await doomed.WaitExitedAsync(TimeSpan.FromSeconds(10));
            var goneAt = Load.Now;
            await Task.Delay(TimeSpan.FromSeconds(1));
            await load.StopAsync(running);
            var caughtUp = await CaughtUpAsync(survivor, TimeSpan.FromSeconds(30));

            // The survivor's mail goes on: a registration after the kill has its mail within 5 s of the kill. (Mails
            // the dead process had claimed are checked below, with the others; ProcessKillTests times their takeover.)
            const string AfterTheKill = "Cluster NGO registered after the kill";
            using (var late = new HttpRequestMessage(HttpMethod.Post, $"/api/conferences/{load.Slug}/delegations")
            {
                Content = JsonContent.Create(DelegationKit.Organisation(AfterTheKill, "NonGovernmentalOrganisation", advisers: 0)),
            })
            {
                late.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
                (await http.SendAsync(late)).EnsureSuccessStatusCode();
            }

            while (!(await RecipientsAsync(mail)).Contains(DelegationKit.FocalPointEmail(AfterTheKill)))
            {
                Assert.True(Load.Now - killedAt < TimeSpan.FromSeconds(5), "no mail for a registration made after the kill within 5 s of it");
                await Task.Delay(50);
            }

            var mailedAgain = Load.Now - killedAt;
            output.WriteLine($"{load.Done.Count} requests ({restarted} during the rolling restart); the survivor's projections caught up {(caughtUp - killedAt).TotalSeconds:N1} s after the kill, " +
                $"and a registration made after it had its mail {mailedAgain.TotalSeconds:N1} s after it");

            var failed = load.Done.Where(o => !o.Succeeded).ToList();
            Assert.All(failed, o =>
            {
                // Reads are retried by nginx on the other process; a write that was on the dead one has no answer.
                Assert.True(o.Write && o.Started <= goneAt && o.Ended >= killedAt, $"{o.Kind} {o.Key} failed ({o.Status} {o.Error}) but was not in flight at the kill ({killedAt} to {goneAt})");
            });
            Assert.InRange(failed.Count, 0, Workers);
            Assert.True(caughtUp - killedAt < TimeSpan.FromSeconds(5) + (load.StoppedAt - killedAt), $"the survivor's projections caught up {(caughtUp - killedAt).TotalSeconds:N1} s after the kill");

            // Every acknowledged write is there exactly once; an unanswered one at most once.
            var delegations = await GetAsync(http, organiser, $"/api/conferences/{load.Slug}/delegations");
            var parties = delegations.EnumerateArray().Select(d => d.GetProperty("party").GetProperty("name").GetString()!).ToList();
            AssertOnce(load, "register", parties);
            var agenda = await GetAsync(http, organiser, $"/api/conferences/{load.Slug}/agenda?draft=true");
            var titles = agenda.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateArray())
                .SelectMany(r => r.GetProperty("sessions").EnumerateArray()).Select(s => s.GetProperty("title").GetString()!).ToList();
            AssertOnce(load, "session", titles);

            // Each registration's mail to its focal point arrives, once, whichever process sent it.
            var expected = load.Done.Where(o => o.Kind == "register" && o.Succeeded).Select(o => DelegationKit.FocalPointEmail(o.Key)).ToHashSet();
            var deadline = Stopwatch.StartNew();
            List<string> recipients;
            while (!expected.IsSubsetOf(recipients = await RecipientsAsync(mail)))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"{expected.Except(recipients).Count()} registration mails never arrived");
                await Task.Delay(200);
            }

            var twice = recipients.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"mails arrived twice for {string.Join(", ", twice)}");
            Assert.False(survivor.HasExited, survivor.Tail());
        }
        finally
        {
            foreach (var api in apis)
            {
                if (api is not null)
                {
                    await api.DisposeAsync();
                }
            }
        }
    }

    private static void AssertOnce(Load load, string kind, List<string> stored)
    {
        var counts = stored.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        foreach (var o in load.Done.Where(o => o.Kind == kind))
        {
            var count = counts.GetValueOrDefault(o.Key);
            if (o.Succeeded)
            {
                Assert.True(count == 1, $"{kind} {o.Key} was acknowledged and is stored {count} times");
            }
            else
            {
                Assert.InRange(count, 0, 1);
            }
        }
    }

    private static async Task<(string Slug, Guid[] Rooms)> SetUpConferenceAsync(HttpClient http, string organiser)
    {
        var slug = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        await SendAsync(http, organiser, HttpMethod.Post, "/api/conferences", new
        {
            slug, title = "Two processes behind nginx", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2031-06-10", lastDay = "2031-06-30", languages = new[] { "en" }, capacity = 100_000, delegationQuota = 4,
        });
        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/publish", null);
        var rooms = new Guid[Load.Rooms];
        for (var i = 0; i < Load.Rooms; i++)
        {
            rooms[i] = (await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/rooms", new { name = $"Room {i}", capacity = 100, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        }

        // Slot 0 of room 0, which the load never takes (its numbers start at 1).
        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/sessions", Load.Session(rooms[0], "Opening", 0));
        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/agenda/publish", null);
        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/registration/open", null);
        return (slug, rooms);
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, string token, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> GetAsync(HttpClient http, string token, string path) => SendAsync(http, token, HttpMethod.Get, path, null);

    /// <summary>When every async projection, as the survivor reports it, has nothing left to handle.</summary>
    private static async Task<TimeSpan> CaughtUpAsync(ApiProcess survivor, TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = survivor.BaseAddress };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var health = await http.GetFromJsonAsync<JsonElement>("/health");
            if (health.GetProperty("projections").EnumerateArray().All(p => !p.GetProperty("active").GetBoolean() || p.GetProperty("eventsBehind").GetInt64() == 0))
            {
                return Load.Now;
            }

            Assert.True(deadline.Elapsed < within, $"the survivor's projections did not catch up: {health}");
            await Task.Delay(50);
        }
    }

    private static async Task<List<string>> RecipientsAsync(HttpClient mail)
    {
        using var all = JsonDocument.Parse(await mail.GetStringAsync("/api/messages"));
        return all.RootElement.GetProperty("messages").EnumerateArray()
            .SelectMany(m => m.GetProperty("personalizations").EnumerateArray())
            .SelectMany(p => p.GetProperty("to").EnumerateArray())
            .Select(to => to.GetProperty("email").GetString()!).ToList();
    }

    /// <summary>One request of the load: what it was, when it ran (on the load's clock), and how it ended.</summary>
    private sealed record Outcome(string Kind, string Key, bool Write, TimeSpan Started, TimeSpan Ended, int Status, string? Error)
    {
        public bool Succeeded => Error is null && Status is >= 200 and < 300;
    }

    /// <summary>Workers that register delegations, add sessions, read the public feed and open the conference page, until stopped.</summary>
    private sealed class Load(HttpClient http, string organiser, string slug, Guid[] rooms) : IDisposable
    {
        public const int Rooms = 3;

        private static readonly Stopwatch Started = Stopwatch.StartNew();
        private readonly CancellationTokenSource stop = new();
        private int next;
        private int sessions;

        public static TimeSpan Now => Started.Elapsed;

        public string Slug => slug;

        public ConcurrentBag<Outcome> Done { get; } = [];

        public TimeSpan StoppedAt { get; private set; }

        /// <summary>A 5-minute session in its own slot (rooms × 144 slots a day, for 21 days), so that no two collide.</summary>
        public static object Session(Guid room, string title, int slot)
        {
            var start = new DateTime(2031, 6, 10, 8, 0, 0).AddDays(slot / Rooms / 144).AddMinutes(slot / Rooms % 144 * 5);
            return new { kind = "Workshop", title, roomId = room, start = start.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), end = start.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), speakers = Array.Empty<string>(), isPublic = true };
        }

        public void Dispose() => stop.Dispose();

        // One organiser writes the agenda (two at once would race for the conference's version, and one would rightly
        // get 409); the others register and read.
        public Task RunAsync() => Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkAsync(organiserWorker: w == 0))));

        public async Task StopAsync(Task running)
        {
            StoppedAt = Now;
            await stop.CancelAsync();
            await running;
        }

        private async Task WorkAsync(bool organiserWorker)
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var (kind, key, write, request) = organiserWorker ? AddSession(++sessions) : (n % 3) switch
                {
                    0 => Register(n),
                    1 => ("feed", $"{n}", false, new HttpRequestMessage(HttpMethod.Get, $"/calendars/{slug}.ics")),
                    _ => ("page", $"{n}", false, new HttpRequestMessage(HttpMethod.Get, $"/conferences/{slug}")),
                };
                var started = Now;
                try
                {
                    using var response = await http.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    Done.Add(new Outcome(kind, key, write, started, Now, (int)response.StatusCode, null));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Done.Add(new Outcome(kind, key, write, started, Now, 0, e.GetType().Name + ": " + e.Message));
                }
                finally
                {
                    request.Dispose();
                }
            }
        }

        private (string, string, bool, HttpRequestMessage) Register(int n)
        {
            var name = $"Cluster NGO {n}";
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conferences/{slug}/delegations")
            {
                Content = JsonContent.Create(DelegationKit.Organisation(name, "NonGovernmentalOrganisation", advisers: 0)),
            };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
            return ("register", name, true, request);
        }

        private (string, string, bool, HttpRequestMessage) AddSession(int n)
        {
            var title = $"Session {n}";
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conferences/{slug}/sessions") { Content = JsonContent.Create(Session(rooms[n % Rooms], title, n)) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", organiser);
            return ("session", title, true, request);
        }
    }
}
