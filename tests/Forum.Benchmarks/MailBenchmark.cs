extern alias mailsink;

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using MailSinkHost = mailsink::Forum.MailSink.MailSinkHost;

namespace Forum.Benchmarks;

/// <summary>
/// 10,000 mails through the outbox to the local SendGrid: two real API processes (the built dll, Release), each a node
/// of the Quartz cluster running mail-dispatch, send what a transaction put in the outbox; the figure is from that
/// commit until the sink holds all 10,000. Its baseline is the simplest durable mail, in this process against the same
/// sink: each mail inserted (its own commit), sent by SendGridClient, then marked sent (another commit), with the
/// concurrency of both dispatching processes together (each runs MailDispatcher.Senders sends at once, and both send:
/// the commit wakes each). Beside it, as a second figure, the sink's rate for the same requests sent straight to it
/// with nothing written. Then how many arrived twice.
/// </summary>
internal static class MailBenchmark
{
    public const string Figure = "10,000 mails through the outbox to the local SendGrid, 2 API processes";
    public const string Twice = "mails of those 10,000 that arrived twice";
    public const string BaselineName = "each mail inserted, sent and marked sent in this process, 32 concurrent";
    public const string Straight = "10,000 mails through the outbox against sends straight to the sink (nothing written)";
    private const string Key = "SG.bench";
    private const int Count = 10_000;
    private const int WarmupCount = 1_000;
    private const int WarmupRounds = 40;
    private const int Rounds = 5;
    private const int Processes = 2;
    private const int Concurrency = Processes * MailDispatcher.Senders;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        BenchContext.Log($"{Figure}: beside {BaselineName}");
        await using var sink = MailSinkHost.Build(["--urls=http://127.0.0.1:0", $"--MailSink:ApiKeys={Key}", "--MailSink:MaxMessages=200000", "--Logging:LogLevel:Default=Warning"]);
        await sink.StartAsync();
        var sinkUrl = sink.Urls.Single();
        using var control = new HttpClient { BaseAddress = new Uri(sinkUrl) };

        var schema = await ctx.NewSchemaAsync("mail");
        await using var writer = new OutboxWriter(connectionString, schema);
        var vault = writer.Services.GetRequiredService<PersonalDataVault>();
        var outbox = writer.Services.GetRequiredService<MailOutbox>();
        var dataSource = writer.Services.GetRequiredService<NpgsqlDataSource>();

        // Baselines: the same bodies, sent by our client straight to the sink, with and without writing each (warm-up first).
        var client = new SendGridClient(new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }),
            Options.Create(new SendGridOptions { BaseUrl = sinkUrl, ApiKey = Key }), TimeProvider.System);
        // Warm-ups run until the JIT is done with the hot code (in this process: the client and the sink; below, also in
        // the API processes), or 40 rounds: after 1,000 of each, most hot code still ran unoptimised in the measured span
        // (tiering took a sixth of the CPU), and a mail cost the API processes three times what it does warm. The API
        // processes' JIT is done after 13 to 18 rounds of 1,000 mails; with at most 12, a quarter of their CPU in the
        // measured span was still the JIT's.
        var me = Environment.ProcessId;
        var durable = await DurableTableAsync(ctx, schema);
        var baselineRounds = await CpuMeter.WarmUntilCompiledAsync(
            async () =>
            {
                await SendStraightAsync(client, Bodies(WarmupCount));
                await SendDurablyAsync(ctx, durable, client, Bodies(WarmupCount));
            },
            WarmupRounds,
            me);
        (await control.DeleteAsync("/control/messages")).EnsureSuccessStatusCode();
        var cpu = await CpuMeter.CreateAsync(ctx);

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Forum"] = connectionString,
            ["EventStore__Schema"] = schema,
            ["Auth__SigningKey"] = writer.SigningKey,
            ["PersonalData__MasterKey"] = writer.MasterKey,
            ["SendGrid__BaseUrl"] = sinkUrl,
            ["SendGrid__ApiKey"] = Key,
        };
        await using var first = ApiProcess.Start("api-1", environment);
        await using var second = ApiProcess.Start("api-2", environment);
        await Task.WhenAll(first.WaitStartedAsync(TimeSpan.FromMinutes(2)), second.WaitStartedAsync(TimeSpan.FromMinutes(2)));
        await WaitAsync(async () => await ScalarAsync(dataSource, $"SELECT count(*) FROM \"{Jobs.SchemaFor(schema)}\".qrtz_scheduler_state") == 2, "both API processes to join the cluster");

        // Warm-up through the outbox (JIT, pools, plans in both processes), unmeasured.
        var outboxRounds = await CpuMeter.WarmUntilCompiledAsync(
            async () =>
            {
                await EnqueueAsync(vault, outbox, dataSource, WarmupCount, "warm-up", () => { });
                await WaitAsync(async () => await ArrivedAsync(control) == WarmupCount, "the warm-up mails to arrive");
                (await control.DeleteAsync("/control/messages")).EnsureSuccessStatusCode();
            },
            WarmupRounds,
            me,
            first.Pid,
            second.Pid);
        BenchContext.Log($"  warm-up through the outbox: {outboxRounds} rounds of {WarmupCount:N0} mails, until the JIT was done in the three processes (or {WarmupRounds})");

        // Rounds of each side in turn, the median of each reported, as the other benchmarks do: a single run of each
        // swung the baseline between 15,000 and 22,000 sends/s on this shared machine.
        var rates = new List<double>();
        var baselines = new List<double>();
        var straights = new List<double>();
        var twice = 0;
        await Harness.AlternateAsync(
            ctx,
            Rounds,
            async round =>
            {
                // Both baselines in each round, in turns, so that neither always follows the outbox's round.
                foreach (var written in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var bodies = Bodies(Count);
                    var before = cpu.Start();
                    var clock = Stopwatch.StartNew();
                    await (written ? SendDurablyAsync(ctx, durable, client, bodies) : SendStraightAsync(client, bodies));
                    (written ? baselines : straights).Add(Count / clock.Elapsed.TotalSeconds);
                    BenchContext.Log($"  baseline {round + 1}: {Count:N0} {(written ? "mails inserted, sent and marked sent" : "sends straight to the sink")}, {Concurrency} concurrent, " +
                        $"in {clock.Elapsed.TotalSeconds:N2} s ({Count / clock.Elapsed.TotalSeconds:N0}/s); CPU per mail: {CpuMeter.PerUnit(before, cpu.Stop(), Count)} (client and sink{(written ? "; PostgreSQL: the writes" : "")})");
                    if (await ArrivedAsync(control) != Count)
                    {
                        throw new InvalidOperationException("the sink does not hold exactly the baseline's mails");
                    }

                    (await control.DeleteAsync("/control/messages")).EnsureSuccessStatusCode();
                }
            },
            async round =>
            {
                var (rate, arrivedTwice) = await ThroughOutboxAsync(round);
                rates.Add(rate);
                twice += arrivedTwice;
                (await control.DeleteAsync("/control/messages")).EnsureSuccessStatusCode();
            });

        async Task<(double Rate, int Twice)> ThroughOutboxAsync(int round)
        {
            TimeSpan[] apiBefore = [];
            (TimeSpan Process, TimeSpan? Database) cpuBefore = default;

            // CPU from the commit on (sealing and inserting the mails is the producer's, not the dispatch's); the API
            // processes' may include a little of their drains' start, which the commit's notification wakes.
            var slug = await EnqueueAsync(vault, outbox, dataSource, Count, "bench", () =>
            {
                apiBefore = ApiCpu(first, second);
                cpuBefore = cpu.Start();
            });
            var clock = Stopwatch.StartNew();
            await WaitAsync(async () => await ArrivedAsync(control) >= Count, "the 10,000 mails to arrive");
            var elapsed = clock.Elapsed;
            var cpuAfter = cpu.Stop();
            var apiAfter = ApiCpu(first, second);
            await WaitAsync(async () => await ScalarAsync(dataSource, $"SELECT count(*) FROM \"{schema}\".mail_outbox WHERE conference_slug = '{slug}' AND state = 'Sent'") == Count, "the 10,000 mails to be marked sent");
            var marked = clock.Elapsed;
            var rate = Count / elapsed.TotalSeconds;
            var subjects = await SubjectsAsync(control);
            var twice = subjects.GroupBy(s => s).Count(g => g.Count() > 1);
            BenchContext.Log($"  round {round + 1}: {Count:N0} mails from the outbox's commit to the sink in {elapsed.TotalSeconds:N2} s ({rate:N0}/s), all marked sent after {marked.TotalSeconds:N2} s; " +
                $"{subjects.Count:N0} arrived, {twice} twice; CPU per mail: {CpuMeter.PerUnit(cpuBefore, cpuAfter, Count)} (the sink and polling; PostgreSQL: the commit and the dispatch), " +
                $"{(apiAfter[0] - apiBefore[0]).TotalMicroseconds / Count:N0} and {(apiAfter[1] - apiBefore[1]).TotalMicroseconds / Count:N0} µs in the two API processes");
            return (rate, twice);
        }

        var median = AppendBenchmarks.Median(rates);
        var baseline = AppendBenchmarks.Median(baselines);
        var straight = AppendBenchmarks.Median(straights);
        static string Joined(List<double> values) => string.Join(" ", values.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
        BenchContext.Log($"  measured per round {Joined(rates)} mails/s; durable baseline per round {Joined(baselines)} mails/s; straight sends per round {Joined(straights)}/s; " +
            $"ratios of the medians {median / baseline:N3} (durable) and {median / straight:N3} (straight); {twice} arrived twice");
        return
        [
            Forum.Benchmarks.Figure.Throughput(Figure, median, baseline, "mails/s"),
            Forum.Benchmarks.Figure.Throughput(Straight, median, straight, "mails/s"),
            new Figure(Twice, twice, "mails", 0, twice),
        ];
    }

    private static TimeSpan[] ApiCpu(params ApiProcess[] processes) =>
        [.. processes.Select(p => Process.GetProcessById(p.Pid).TotalProcessorTime)];

    private static List<SendGridMail> Bodies(int count) => Enumerable.Range(0, count).Select(i => Mail(Guid.CreateVersion7(), i)).ToList();

    private static SendGridMail Mail(Guid id, int i) => new(
        [new MailPersonalization([new MailAddress($"member{i}@example.org")])],
        new MailAddress("noreply@forum.example.org", "Forum"), $"Bench mail {i}", [new MailContent("text/plain", "Hello."), new MailContent("text/html", "<p>Hello.</p>")],
        Headers: new Dictionary<string, string> { ["X-Forum-Message-Id"] = id.ToString() },
        CustomArgs: new Dictionary<string, string> { ["forum_message_id"] = id.ToString() });

    private static async Task SendStraightAsync(SendGridClient client, List<SendGridMail> bodies)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                if (await client.SendAsync(bodies[i], CancellationToken.None) is not SendResult.Sent)
                {
                    throw new InvalidOperationException("the sink refused a baseline send");
                }
            }
        })));
    }

    /// <summary>
    /// The durable baseline's table: what a mail needs to survive a crash between its insert and its send (the body, its
    /// state, and an index to find the unsent ones again), and no more.
    /// </summary>
    private static async Task<string> DurableTableAsync(BenchContext ctx, string schema)
    {
        var table = $"\"{schema}\".bench_durable_mail";
        await ctx.ExecuteAsync(
            $"""
            CREATE TABLE {table} (
                id         uuid        PRIMARY KEY,
                mail       jsonb       NOT NULL,
                state      text        NOT NULL,
                created_at timestamptz NOT NULL,
                sent_at    timestamptz);
            CREATE INDEX bench_durable_mail_waiting ON {table} (created_at) WHERE state = 'Waiting';
            """);
        return table;
    }

    /// <summary>Each mail inserted (committed), sent, then marked sent (committed), from 32 tasks on the benchmark's pool.</summary>
    private static async Task SendDurablyAsync(BenchContext ctx, string table, SendGridClient client, List<SendGridMail> bodies)
    {
        var insert = $"INSERT INTO {table} (id, mail, state, created_at) VALUES ($1, $2, 'Waiting', $3)";
        var mark = $"UPDATE {table} SET state = 'Sent', sent_at = $2 WHERE id = $1";
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var id = Guid.CreateVersion7();
                await using (var cmd = ctx.DataSource.CreateCommand(insert))
                {
                    cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.SerializeToUtf8Bytes(bodies[i], SendGridClient.WireJson), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
                    await cmd.ExecuteNonQueryAsync();
                }

                if (await client.SendAsync(bodies[i], CancellationToken.None) is not SendResult.Sent)
                {
                    throw new InvalidOperationException("the sink refused a baseline send");
                }

                await using (var cmd = ctx.DataSource.CreateCommand(mark))
                {
                    cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
                    await cmd.ExecuteNonQueryAsync();
                }
            }
        })));
    }

    /// <summary>Mails each sealed with its recipient's own key, put in the outbox in one transaction as the producing projection does.</summary>
    private static async Task<string> EnqueueAsync(PersonalDataVault vault, MailOutbox outbox, NpgsqlDataSource dataSource, int count, string prefix, Action committing)
    {
        var slug = $"{prefix}-{Guid.NewGuid():N}"[..20];
        var keys = new List<SubjectKey>();
        var mails = new List<OutboxMail>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
            keys.Add(key);
            mails.Add(new OutboxMail(id, $"bench:{id}", slug, null, "bench", PersonalDataVault.Seal(key, Mail(id, i)), MailState.Waiting, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await vault.SaveKeysAsync(connection, tx, keys, CancellationToken.None);
        await outbox.EnqueueAsync(connection, tx, mails, CancellationToken.None);
        committing();
        await tx.CommitAsync();
        return slug;
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

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls a condition every 20 ms for up to 5 minutes.</summary>
    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"waited 5 minutes for {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The API in this process with no scheduler: it makes the schema and writes the outbox with the processes' keys.</summary>
    private sealed class OutboxWriter(string connectionString, string schema) : WebApplicationFactory<ConferenceService>
    {
        public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

        public string MasterKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseContentRoot(Path.GetDirectoryName(typeof(ConferenceService).Assembly.Location)!);
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Forum", connectionString);
            builder.UseSetting("EventStore:Schema", schema);
            builder.UseSetting("Auth:SigningKey", SigningKey);
            builder.UseSetting("PersonalData:MasterKey", MasterKey);
            builder.UseSetting("Jobs:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
