using System.Text;
using Forum.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Benchmarks;

/// <summary>
/// Store appends against raw Npgsql INSERTs of the same JSON payloads, at the same concurrency, for the same window.
/// Both sides open a pooled connection per operation and run one autocommit statement (one round trip, one commit).
/// </summary>
internal static class AppendBenchmarks
{
    public const string Single16 = "append 1 event to a new stream, 16 writers";
    private const int BatchEvents = 10;
    private const int StreamsPerWriter = 20;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx)
    {
        var figures = new List<Figure>();
        foreach (var writers in new[] { 1, 16 })
        {
            var name = writers == 16 ? Single16 : $"append 1 event to a new stream, {writers} writer";
            figures.Add(await CompareAsync(ctx, name, writers, await RawSingleAsync(ctx, writers), await StoreSingleAsync(ctx, writers)));
        }

        foreach (var writers in new[] { 1, 16 })
        {
            var name = $"append {BatchEvents} events to an existing stream, {writers} writer{(writers > 1 ? "s" : "")}";
            figures.Add(await CompareAsync(ctx, name, writers, await RawBatchAsync(ctx, writers), await StoreBatchAsync(ctx, writers)));
        }

        return figures;
    }

    /// <summary>
    /// Splits the window into short rounds that alternate raw, store, store, raw, ...: background load on a shared
    /// machine, checkpoints and table growth then fall on both sides alike. Each side's figure is the median of its
    /// rounds, so that a burst of slow disk (seen here: one side's rate halving for a second) does not decide it.
    /// </summary>
    internal static async Task<Figure> CompareAsync(BenchContext ctx, string name, int writers, Func<int, Task<int>> raw, Func<int, Task<int>> store, string unit = "events/s")
    {
        BenchContext.Log($"{name}: {ctx.Options.Rounds} alternating rounds per side");
        var slice = ctx.Options.Window / ctx.Options.Rounds;
        var rawRounds = new List<double>();
        var storeRounds = new List<double>();
        var rawCpu = new List<double>();
        var storeCpu = new List<double>();
        Func<int, Task> Side(Func<int, Task<int>> operation, List<double> rounds, List<double> cpuPerUnit) => async round =>
        {
            // The first round of each side warms up fully (JIT, pool); later rounds only refill the pipeline.
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var result = await Harness.RunAsync(writers, round == 0 ? ctx.Options.Warmup : ctx.Options.RoundWarmup, slice, operation);
            var used = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
            cpuPerUnit.Add(used.TotalMicroseconds / Math.Max(1, result.Units));
            rounds.Add(result.PerSecond);
        };

        await Harness.AlternateAsync(ctx, ctx.Options.Rounds, Side(raw, rawRounds, rawCpu), Side(store, storeRounds, storeCpu));

        BenchContext.Log($"  measured per round {string.Join(" ", storeRounds.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}");
        BenchContext.Log($"  baseline per round {string.Join(" ", rawRounds.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}");
        BenchContext.Log($"  this process's CPU per unit (warm-up included): measured {Median(storeCpu):N0} µs, baseline {Median(rawCpu):N0} µs");
        return Figure.Throughput(name, Median(storeRounds), Median(rawRounds), unit);
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The baseline table: bigint identity primary key plus one secondary index, the payload in a jsonb column.</summary>
    private static async Task<string> RawTableAsync(BenchContext ctx, string name)
    {
        var schema = await ctx.NewSchemaAsync(name);
        await ctx.ExecuteAsync(
            $"""
            CREATE TABLE "{schema}".raw_events (
                id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_id   text        NOT NULL,
                type        text        NOT NULL,
                data        jsonb       NOT NULL,
                recorded_at timestamptz NOT NULL);
            CREATE INDEX raw_events_stream ON "{schema}".raw_events (stream_id);
            """);
        return $"\"{schema}\".raw_events";
    }

    /// <summary>Raw one-row INSERT; each operation is a new stream id, like the store side.</summary>
    internal static async Task<Func<int, Task<int>>> RawSingleAsync(BenchContext ctx, int writers)
    {
        var table = await RawTableAsync(ctx, $"raw_single_{writers}");
        var sql = $"INSERT INTO {table} (stream_id, type, data, recorded_at) VALUES ($1, $2, $3, $4)";
        var sequence = new int[writers];
        return async w =>
        {
            var n = ++sequence[w];
            await using var cmd = ctx.DataSource.CreateCommand(sql);
            AddRow(cmd.Parameters, ctx.Types, $"topic-{w}-{n}", BenchEvents.Post(Guid.CreateVersion7(), w, n));
            await cmd.ExecuteNonQueryAsync();
            return 1;
        };
    }

    /// <summary>The store's single-event append: each operation is a new stream; also the registration benchmark's baseline.</summary>
    internal static async Task<Func<int, Task<int>>> StoreSingleAsync(BenchContext ctx, int writers)
    {
        var store = await ctx.NewStoreAsync($"store_single_{writers}");
        var sequence = new int[writers];
        return async w =>
        {
            var n = ++sequence[w];
            await store.AppendAsync($"topic-{w}-{n}", BenchEvents.StreamType, ExpectedVersion.NoStream, [BenchEvents.Post(Guid.CreateVersion7(), w, n)], BenchEvents.Metadata(w));
            return 1;
        };
    }

    /// <summary>Raw multi-row INSERT: ten VALUES rows in one statement.</summary>
    private static async Task<Func<int, Task<int>>> RawBatchAsync(BenchContext ctx, int writers)
    {
        var table = await RawTableAsync(ctx, $"raw_batch_{writers}");
        var values = string.Join(", ", Enumerable.Range(0, BatchEvents).Select(i => $"(${(4 * i) + 1}, ${(4 * i) + 2}, ${(4 * i) + 3}, ${(4 * i) + 4})"));
        var sql = new StringBuilder($"INSERT INTO {table} (stream_id, type, data, recorded_at) VALUES ").Append(values).ToString();
        var topics = Topics(writers);
        var sequence = new int[writers];
        return async w =>
        {
            var n = ++sequence[w];
            var topic = topics[w][n % StreamsPerWriter];
            await using var cmd = ctx.DataSource.CreateCommand(sql);
            for (var i = 0; i < BatchEvents; i++)
            {
                AddRow(cmd.Parameters, ctx.Types, topic.Id, BenchEvents.Post(topic.Guid, w, (n * BatchEvents) + i));
            }

            await cmd.ExecuteNonQueryAsync();
            return BatchEvents;
        };
    }

    private static async Task<Func<int, Task<int>>> StoreBatchAsync(BenchContext ctx, int writers)
    {
        var store = await ctx.NewStoreAsync($"store_batch_{writers}");
        var topics = Topics(writers);
        // Each writer owns its streams (no conflicts by design) and creates them before the clock starts.
        var versions = new long[writers][];
        for (var w = 0; w < writers; w++)
        {
            versions[w] = new long[StreamsPerWriter];
            for (var j = 0; j < StreamsPerWriter; j++)
            {
                var created = await store.AppendAsync(topics[w][j].Id, BenchEvents.StreamType, ExpectedVersion.NoStream, [BenchEvents.Post(topics[w][j].Guid, w, 0)], BenchEvents.Metadata(w));
                versions[w][j] = created.NextExpectedVersion;
            }
        }

        var sequence = new int[writers];
        return async w =>
        {
            var n = ++sequence[w];
            var j = n % StreamsPerWriter;
            var topic = topics[w][j];
            var events = new object[BatchEvents];
            for (var i = 0; i < BatchEvents; i++)
            {
                events[i] = BenchEvents.Post(topic.Guid, w, (n * BatchEvents) + i);
            }

            var result = await store.AppendAsync(topic.Id, BenchEvents.StreamType, ExpectedVersion.Exactly(versions[w][j]), events, BenchEvents.Metadata(w));
            versions[w][j] = result.NextExpectedVersion;
            return BatchEvents;
        };
    }

    private static (string Id, Guid Guid)[][] Topics(int writers) =>
        Enumerable.Range(0, writers)
            .Select(w => Enumerable.Range(0, StreamsPerWriter).Select(j => ($"topic-{w}-{j}", Guid.CreateVersion7())).ToArray())
            .ToArray();

    private static void AddRow(NpgsqlParameterCollection parameters, EventTypeRegistry types, string streamId, PostAdded @event)
    {
        parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = types.NameOf(typeof(PostAdded)), NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = types.Serialize(@event), NpgsqlDbType = NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter { Value = TimeProvider.System.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }
}
