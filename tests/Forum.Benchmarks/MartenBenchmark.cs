using System.Diagnostics;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using IMartenProjection = Marten.Events.Projections.IProjection;

namespace Forum.Benchmarks;

/// <summary>
/// Marten 9.62, the design card's event store, as a live baseline: its Quick and Rich appends beside Forum's append
/// and the raw INSERT, in the same rounds; its async daemon catching up over as many events as Forum's catch-up group
/// reads, beside a raw ordered read of Marten's own table; and its projection lag under 16 writers with the daemon in
/// HotCold mode, as a deployment of several processes would run it. Every Marten store lives in a schema of its own
/// (dropped with the run), on the benchmark's own data source, so it never touches Forum's tables.
/// </summary>
internal static class MartenBenchmark
{
    public const string LagP99 = "Marten projection lag p99, 16 writers (daemon HotCold, polling: its default)";
    public const string LagP99Notify = "Marten projection lag p99, 16 writers (daemon HotCold, LISTEN/NOTIFY)";
    public const string NotifyAppends = "Marten Quick appends/s in the lag window, 16 writers: LISTEN/NOTIFY against polling";
    // Marten's default batch and Forum's, read from each library so that the figures follow a change of default.
    private static readonly int MartenBatch = new AsyncOptions().BatchSize;
    private static readonly int ForumBatch = CatchUpBenchmark.DefaultBatchSize;
    private const int EventsPerStream = 50;
    private const int SeedStreamsPerSession = 100;
    private const int Writers = 16;

    public static string Append(string side, int writers) =>
        $"append 1 event to a new stream, {writers} writer{(writers > 1 ? "s" : "")}: {side}";

    public static string CatchUp(int total, int batch) => $"Marten async daemon catch-up over stored events ({total:N0}), BatchSize {batch}";

    public static async Task<List<Figure>> RunAsync(BenchContext ctx)
    {
        var figures = new List<Figure>();
        foreach (var writers in new[] { 1, Writers })
        {
            figures.AddRange(await AppendsAsync(ctx, writers));
        }

        figures.AddRange(await CatchUpAsync(ctx));
        // Marten's daemon polls for new events by default; it can also be woken by LISTEN/NOTIFY, as Forum's daemon is
        // woken by each append: both measured.
        var (polling, pollingRate) = await LagAsync(ctx, listenNotify: false);
        var (notify, notifyRate) = await LagAsync(ctx, listenNotify: true);
        figures.AddRange([.. polling, .. notify]);
        // A notification serializes the commits that send it (PostgreSQL's queue lock): what the writers pay for the lower lag.
        figures.Add(Figure.Throughput(NotifyAppends, notifyRate, pollingRate));
        return figures;
    }

    /// <summary>
    /// Raw INSERT, Forum's append, Marten Quick and Marten Rich, each a new stream per operation, in rounds whose order
    /// rotates (so that no side always follows another); each side's figure is the median of its rounds.
    /// </summary>
    private static async Task<List<Figure>> AppendsAsync(BenchContext ctx, int writers)
    {
        var quick = await StoreAsync(ctx, $"marten_quick_{writers}", EventAppendMode.Quick);
        var rich = await StoreAsync(ctx, $"marten_rich_{writers}", EventAppendMode.Rich);
        try
        {
            (string Name, Func<int, Task<int>> Operation)[] sides =
            [
                ("raw INSERT", await AppendBenchmarks.RawSingleAsync(ctx, writers)),
                ("Forum's store", await AppendBenchmarks.StoreSingleAsync(ctx, writers)),
                ("Marten Quick", MartenAppend(quick, writers)),
                ("Marten Rich", MartenAppend(rich, writers)),
            ];
            BenchContext.Log($"append 1 event to a new stream, {writers} writer(s): raw INSERT, Forum, Marten Quick and Rich in {ctx.Options.Rounds} rotating rounds");
            var slice = ctx.Options.Window / ctx.Options.Rounds;
            var rates = sides.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < ctx.Options.Rounds; round++)
            {
                for (var k = 0; k < sides.Length; k++)
                {
                    var side = (round + k) % sides.Length;
                    await ctx.CheckpointAsync();
                    var result = await Harness.RunAsync(writers, round == 0 ? ctx.Options.Warmup : ctx.Options.RoundWarmup, slice, sides[side].Operation);
                    rates[side].Add(result.PerSecond);
                }
            }

            for (var side = 0; side < sides.Length; side++)
            {
                BenchContext.Log($"  {sides[side].Name} per round {string.Join(" ", rates[side].Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}");
            }

            var raw = AppendBenchmarks.Median(rates[0]);
            return [.. Enumerable.Range(1, sides.Length - 1).Select(side => Figure.Throughput(Append(sides[side].Name, writers), AppendBenchmarks.Median(rates[side]), raw))];
        }
        finally
        {
            await quick.DisposeAsync();
            await rich.DisposeAsync();
        }
    }

    /// <summary>The same event, stream id and stream type as Forum's side; the actor and reason as headers, the correlation id as Marten's column.</summary>
    private static Func<int, Task<int>> MartenAppend(DocumentStore store, int writers)
    {
        var sequence = new int[writers];
        return async w =>
        {
            var n = ++sequence[w];
            await using var session = store.LightweightSession();
            var metadata = BenchEvents.Metadata(w);
            session.CorrelationId = metadata.CorrelationId.ToString();
            session.SetHeader("actor", metadata.Actor ?? "");
            session.SetHeader("reason", metadata.Reason ?? "");
            session.Events.StartStream<MartenTopic>($"topic-{w}-{n}", BenchEvents.Post(Guid.CreateVersion7(), w, n));
            await session.SaveChangesAsync();
            return 1;
        };
    }

    /// <summary>
    /// Seeds as many events as the catch-up group (the same mix and stream length) through Marten, then times its daemon
    /// from start to the last event: a new projection at Marten's default batch, then another at Forum's.
    /// </summary>
    private static async Task<List<Figure>> CatchUpAsync(BenchContext ctx)
    {
        var total = ctx.Options.CatchUpEvents;
        var schema = await ctx.NewSchemaAsync("marten_catchup");
        var s = $"\"{schema}\"";
        var seeder = await StoreAsync(ctx, schema, EventAppendMode.Quick, null, MartenBatch);
        try
        {
            BenchContext.Log($"Marten daemon catch-up: seeding {total:N0} events (Quick appends, {EventsPerStream} per stream, {SeedStreamsPerSession} streams per session)");
            var seeding = Stopwatch.StartNew();
            var streams = (total + EventsPerStream - 1) / EventsPerStream;
            var next = -1;
            // Four sessions at once: the seed is set-up, not a figure.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                int chunk;
                while ((chunk = Interlocked.Increment(ref next)) * SeedStreamsPerSession < streams)
                {
                    await using var session = seeder.LightweightSession();
                    for (var i = chunk * SeedStreamsPerSession; i < Math.Min(streams, (chunk + 1) * SeedStreamsPerSession); i++)
                    {
                        var topic = Guid.CreateVersion7();
                        var events = Math.Min(EventsPerStream, total - (i * EventsPerStream));
                        var at = TimeProvider.System.GetUtcNow().AddDays(-1);
                        session.Events.StartStream<MartenTopic>($"topic-{i}", [.. Enumerable.Range(1, events).Select(v => BenchEvents.ForSeed(topic, v, at))]);
                    }

                    await session.SaveChangesAsync();
                }
            })));
            await ctx.ExecuteAsync($"VACUUM (ANALYZE) {s}.mt_events, {s}.mt_streams");
            BenchContext.Log($"  seeded {total:N0} events in {seeding.Elapsed.TotalSeconds:N1} s (Quick appends + VACUUM ANALYZE)");
        }
        finally
        {
            await seeder.DisposeAsync();
        }

        var raw = await RawReadAsync(ctx, s, total);
        BenchContext.Log($"  raw read of mt_events in seq_id order: {raw:N0} rows/s");
        var figures = new List<Figure>();
        foreach (var batch in new[] { MartenBatch, ForumBatch })
        {
            var counts = new MartenCounts($"bench-type-counts-{batch}");
            var store = await StoreAsync(ctx, schema, EventAppendMode.Quick, counts, batch);
            try
            {
                await ctx.CheckpointAsync();
                var clock = Stopwatch.StartNew();
                using var daemon = await store.BuildProjectionDaemonAsync();
                await daemon.StartAllAsync();
                await WaitForSequenceAsync(ctx, s, counts.Name, total, clock, TimeSpan.FromMinutes(5));
                var elapsed = clock.Elapsed;
                await daemon.StopAllAsync();

                // The figure only counts if every event was applied exactly once.
                await using (var query = store.QuerySession())
                {
                    var applied = (await query.Query<MartenTypeCount>().ToListAsync()).Where(c => c.Id.StartsWith(counts.Name + ":", StringComparison.Ordinal)).Sum(c => c.Count);
                    if (applied != total)
                    {
                        throw new InvalidOperationException($"Marten's projection counted {applied:N0} events, expected {total:N0}.");
                    }
                }

                var rate = total / elapsed.TotalSeconds;
                BenchContext.Log($"  Marten's daemon, BatchSize {batch}: {rate:N0} events/s ({elapsed.TotalSeconds:N1} s)");
                figures.Add(Figure.Throughput(CatchUp(total, batch), rate, raw));
            }
            finally
            {
                await store.DisposeAsync();
            }
        }

        return figures;
    }

    /// <summary>The baseline: one query streaming Marten's event rows in seq_id order, the columns its daemon reads.</summary>
    private static async Task<double> RawReadAsync(BenchContext ctx, string s, int total)
    {
        await ctx.CheckpointAsync();
        var clock = Stopwatch.StartNew();
        await using var cmd = ctx.DataSource.CreateCommand(
            $"SELECT seq_id, id, stream_id, version, data::text, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, headers::text FROM {s}.mt_events ORDER BY seq_id");
        cmd.CommandTimeout = 0;
        long rows = 0, chars = 0;
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                _ = reader.GetInt64(0) + reader.GetInt64(3);
                _ = reader.GetGuid(1);
                _ = reader.GetFieldValue<DateTimeOffset>(6);
                chars += reader.GetString(2).Length + reader.GetString(4).Length + reader.GetString(5).Length + reader.GetString(7).Length;
                chars += (reader.IsDBNull(8) ? 0 : reader.GetString(8).Length) + (reader.IsDBNull(9) ? 0 : reader.GetString(9).Length) + (reader.IsDBNull(10) ? 0 : reader.GetString(10).Length);
                rows++;
            }
        }

        if (rows != total || chars == 0)
        {
            throw new InvalidOperationException($"The raw read of mt_events saw {rows:N0} rows, expected {total:N0}.");
        }

        return rows / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// 16 writers append single events (Quick) for the lag window while Marten's daemon, hosted with
    /// AddAsyncDaemon(DaemonMode.HotCold) and otherwise on its defaults, projects them. Lag = when the projection saw an
    /// event minus the event's timestamp (set by PostgreSQL on this machine's clock).
    /// </summary>
    private static async Task<(List<Figure> Lags, double AppendsPerSecond)> LagAsync(BenchContext ctx, bool listenNotify)
    {
        var how = listenNotify ? "LISTEN/NOTIFY" : "polling: its default";
        BenchContext.Log($"Marten projection lag under {Writers} writers for {ctx.Options.LagWindow.TotalSeconds:N0} s, daemon HotCold, {how}");
        var schema = await ctx.NewSchemaAsync(listenNotify ? "marten_lag_notify" : "marten_lag");
        var samples = new List<(DateTimeOffset At, double LagMs)>(1 << 20);
        var counts = new MartenCounts("bench-type-counts", events =>
        {
            var now = TimeProvider.System.GetUtcNow();
            lock (samples)
            {
                samples.AddRange(events.Select(e => (e.Timestamp, (now - e.Timestamp).TotalMilliseconds)));
            }
        });
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMarten(options =>
        {
            Configure(options, ctx, schema, EventAppendMode.Quick, counts, MartenBatch);
            options.Events.UseListenNotifyForEventAppends = listenNotify;
        }).AddAsyncDaemon(DaemonMode.HotCold);
        using var host = builder.Build();
        var store = (DocumentStore)host.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await host.StartAsync();
        try
        {
            // The daemon leads once its first event is projected (HotCold takes an advisory lock first).
            var append = MartenAppend(store, Writers);
            await append(0);
            var started = Stopwatch.StartNew();
            while (counts.Applied == 0)
            {
                if (started.Elapsed > TimeSpan.FromMinutes(1))
                {
                    throw new TimeoutException("Marten's HotCold daemon projected nothing within a minute.");
                }

                await Task.Delay(10);
            }

            await ctx.CheckpointAsync();
            var load = await Harness.RunAsync(Writers, ctx.Options.Warmup, ctx.Options.LagWindow, append);
            long head;
            await using (var cmd = ctx.DataSource.CreateCommand($"SELECT max(seq_id) FROM \"{schema}\".mt_events"))
            {
                head = (long)(await cmd.ExecuteScalarAsync())!;
            }

            await WaitForSequenceAsync(ctx, $"\"{schema}\"", counts.Name, head, Stopwatch.StartNew(), TimeSpan.FromMinutes(1));
            double[] lags;
            lock (samples)
            {
                lags = [.. samples.Where(x => x.At >= load.Start && x.At <= load.End).Select(x => x.LagMs).Order()];
            }

            if (lags.Length == 0)
            {
                throw new InvalidOperationException("No Marten event of the measurement window reached the projection.");
            }

            BenchContext.Log($"  {load.PerSecond:N0} Marten appends/s; {lags.Length:N0} events measured; lag p50 {LagBenchmark.Percentile(lags, 50):N1} ms, p90 {LagBenchmark.Percentile(lags, 90):N1} ms, p99 {LagBenchmark.Percentile(lags, 99):N1} ms, max {lags[^1]:N1} ms");
            return (
            [
                Figure.Latency($"Marten projection lag p50, 16 writers (daemon HotCold, {how})", LagBenchmark.Percentile(lags, 50), LagBenchmark.GoalMs),
                Figure.Latency(listenNotify ? LagP99Notify : LagP99, LagBenchmark.Percentile(lags, 99), LagBenchmark.GoalMs),
            ], load.PerSecond);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Polls Marten's progression table until the projection's shard has reached <paramref name="head"/>.</summary>
    private static async Task WaitForSequenceAsync(BenchContext ctx, string s, string projection, long head, Stopwatch clock, TimeSpan limit)
    {
        var lastLog = clock.Elapsed;
        while (true)
        {
            long position;
            await using (var cmd = ctx.DataSource.CreateCommand($"SELECT coalesce(max(last_seq_id), 0) FROM {s}.mt_event_progression WHERE name LIKE $1"))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = projection + ":%" });
                position = (long)(await cmd.ExecuteScalarAsync())!;
            }

            if (position >= head)
            {
                return;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Marten's projection did not reach sequence {head:N0} within {limit} (it is at {position:N0}).");
            }

            if (clock.Elapsed - lastLog > TimeSpan.FromSeconds(5))
            {
                BenchContext.Log($"  Marten's progression at {position:N0} of {head:N0}");
                lastLog = clock.Elapsed;
            }

            await Task.Delay(10);
        }
    }

    private static async Task<DocumentStore> StoreAsync(BenchContext ctx, string name, EventAppendMode mode) =>
        await StoreAsync(ctx, await ctx.NewSchemaAsync(name), mode, null, MartenBatch);

    private static async Task<DocumentStore> StoreAsync(BenchContext ctx, string schema, EventAppendMode mode, MartenCounts? projection, int batch)
    {
        var store = DocumentStore.For(options => Configure(options, ctx, schema, mode, projection, batch));
        // Tables and functions made now, not inside the first measured append.
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return store;
    }

    /// <summary>
    /// Marten on its defaults but for what makes it comparable with Forum's store: string stream ids (as Forum's), the
    /// correlation id and headers kept (Forum keeps actor, correlation and reason), and the benchmark's own data source
    /// (the same pool settings as both other sides).
    /// </summary>
    private static void Configure(StoreOptions options, BenchContext ctx, string schema, EventAppendMode mode, MartenCounts? projection, int batch)
    {
        options.Connection(ctx.DataSource);
        options.DatabaseSchemaName = schema;
        options.Events.DatabaseSchemaName = schema;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.AppendMode = mode;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.Events.AddEventTypes([typeof(TopicOpened), typeof(PostAdded), typeof(PostEdited), typeof(VoteCast)]);
        if (projection is not null)
        {
            options.Projections.Add(projection, ProjectionLifecycle.Async, projection.Name, o => o.BatchSize = batch);
        }
    }
}

/// <summary>The stream type of Marten's streams (Forum's side writes BenchEvents.StreamType).</summary>
internal sealed class MartenTopic;

/// <summary>The counter document of Marten's projection, one per event type.</summary>
public sealed class MartenTypeCount
{
    public string Id { get; set; } = "";

    public long Count { get; set; }
}

/// <summary>
/// The same deliberately cheap projection as CountsProjection, for Marten: one counter document per event type, so a
/// batch is one load and one upsert, and the figures show the daemon's own cost.
/// </summary>
internal sealed class MartenCounts(string name, Action<IReadOnlyList<IEvent>>? applied = null) : IMartenProjection
{
    private long count;

    /// <summary>The projection's name; its documents' ids begin with it, so two projections in one schema keep apart.</summary>
    public string Name => name;

    /// <summary>Events seen so far (the daemon applies one batch at a time; read from other threads).</summary>
    public long Applied => Interlocked.Read(ref count);

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            counts[e.EventTypeName] = counts.GetValueOrDefault(e.EventTypeName) + 1;
        }

        var docs = (await operations.LoadManyAsync<MartenTypeCount>(cancellation, [.. counts.Keys.Select(type => $"{name}:{type}")])).ToDictionary(d => d.Id);
        foreach (var (type, n) in counts)
        {
            operations.Store(new MartenTypeCount { Id = $"{name}:{type}", Count = (docs.GetValueOrDefault($"{name}:{type}")?.Count ?? 0) + n });
        }

        Interlocked.Add(ref count, events.Count);
        applied?.Invoke(events);
    }
}
