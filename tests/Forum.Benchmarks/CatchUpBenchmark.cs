using System.Diagnostics;
using Forum.EventStore;
using Forum.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Benchmarks;

/// <summary>
/// A projection daemon catching up over a large seeded history, against a raw Npgsql read of the same rows in the
/// same (tx_id, position) order.
/// </summary>
internal static class CatchUpBenchmark
{
    public const string Name = "daemon catch-up over stored events";
    private const int EventsPerStream = 50;
    // The default, and a larger one; measured so far (2,000 / 5,000 / 10,000) they are within noise of each other.
    public static readonly int DefaultBatchSize = new ProjectionDaemonOptions().BatchSize;
    public const int LargeBatchSize = 10_000;

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchContext ctx)
    {
        var total = ctx.Options.CatchUpEvents;
        var store = await ctx.NewStoreAsync("catchup");
        var s = $"\"{store.SchemaName}\"";

        var seeding = Stopwatch.StartNew();
        await SeedAsync(ctx, store, total);
        // Hint bits, visibility map and planner statistics, as autovacuum would have left a real history.
        await ctx.ExecuteAsync($"VACUUM (ANALYZE) {s}.events, {s}.streams");
        BenchContext.Log($"  seeded {total:N0} events in {seeding.Elapsed.TotalSeconds:N1} s (binary COPY + VACUUM ANALYZE)");

        var raw = await RawReadAsync(ctx, s, total);
        BenchContext.Log($"  raw read: {raw:N0} rows/s");
        var figures = new List<Figure>();
        // Each run is a new projection, which starts from checkpoint 0.
        foreach (var batchSize in new[] { DefaultBatchSize, LargeBatchSize })
        {
            await ctx.CheckpointAsync();
            var daemon = await DaemonAsync(ctx, store, total, batchSize);
            BenchContext.Log($"  daemon (BatchSize {batchSize}): {daemon:N0} events/s");
            figures.Add(Figure.Throughput(FigureName(total, batchSize), daemon, raw));
        }

        return figures;
    }

    public static string FigureName(int total, int batchSize) => $"{Name} ({total:N0}), BatchSize {batchSize}";

    /// <summary>
    /// Binary COPY straight into the store's tables. Every event gets tx_id 1: it only has to be below the xmin of
    /// any later snapshot (the daemon compares it as bigint), and then (tx_id, position) is position order.
    /// </summary>
    private static async Task SeedAsync(BenchContext ctx, EventStore.EventStore store, int total)
    {
        BenchContext.Log($"daemon catch-up: seeding {total:N0} events");
        var s = $"\"{store.SchemaName}\"";
        var streams = (total + EventsPerStream - 1) / EventsPerStream;
        var topics = Enumerable.Range(0, streams).Select(_ => Guid.CreateVersion7()).ToArray();
        var start = TimeProvider.System.GetUtcNow().AddDays(-1);
        await using var connection = await ctx.DataSource.OpenConnectionAsync();

        await using (var streamRows = await connection.BeginBinaryImportAsync($"COPY {s}.streams (id, type, version, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < streams; i++)
            {
                // Events are dealt round-robin over the streams, so stream i holds positions i, i + streams, ...
                var version = (total / streams) + (i < total % streams ? 1 : 0);
                await streamRows.StartRowAsync();
                await streamRows.WriteAsync($"topic-{i}", NpgsqlDbType.Text);
                await streamRows.WriteAsync(BenchEvents.StreamType, NpgsqlDbType.Text);
                await streamRows.WriteAsync((long)version, NpgsqlDbType.Bigint);
                await streamRows.WriteAsync(start, NpgsqlDbType.TimestampTz);
                await streamRows.WriteAsync(start, NpgsqlDbType.TimestampTz);
            }

            await streamRows.CompleteAsync();
        }

        await using var eventRows = await connection.BeginBinaryImportAsync(
            $"COPY {s}.events (tx_id, stream_id, stream_version, event_id, type, data, recorded_at, actor, correlation_id, causation_id, reason) FROM STDIN (FORMAT BINARY)");
        eventRows.Timeout = TimeSpan.FromMinutes(10);
        for (var p = 0; p < total; p++)
        {
            var stream = p % streams;
            var version = (p / streams) + 1L;
            var at = start.AddTicks(p * 10L);
            var @event = BenchEvents.ForSeed(topics[stream], version, at);
            await eventRows.StartRowAsync();
            await eventRows.WriteAsync(1L, NpgsqlDbType.Bigint);
            await eventRows.WriteAsync($"topic-{stream}", NpgsqlDbType.Text);
            await eventRows.WriteAsync(version, NpgsqlDbType.Bigint);
            await eventRows.WriteAsync(Guid.CreateVersion7(at), NpgsqlDbType.Uuid);
            await eventRows.WriteAsync(ctx.Types.NameOf(@event.GetType()), NpgsqlDbType.Text);
            await eventRows.WriteAsync(ctx.Types.Serialize(@event), NpgsqlDbType.Jsonb);
            var metadata = BenchEvents.Metadata(stream % 1000);
            await eventRows.WriteAsync(at, NpgsqlDbType.TimestampTz);
            await eventRows.WriteAsync(metadata.Actor, NpgsqlDbType.Text);
            await eventRows.WriteAsync(metadata.CorrelationId, NpgsqlDbType.Uuid);
            await eventRows.WriteNullAsync();
            await eventRows.WriteAsync(metadata.Reason, NpgsqlDbType.Text);
        }

        await eventRows.CompleteAsync();
    }

    /// <summary>The baseline: one query streaming the rows in commit order, the same columns the store reads, text as strings.</summary>
    private static async Task<double> RawReadAsync(BenchContext ctx, string s, int total)
    {
        BenchContext.Log("raw read of the seeded rows in (tx_id, position) order");
        await ctx.CheckpointAsync();
        var clock = Stopwatch.StartNew();
        await using var cmd = ctx.DataSource.CreateCommand(
            $"SELECT position, tx_id, stream_id, stream_version, event_id, type, data::text, recorded_at, actor, correlation_id, causation_id, reason FROM {s}.events ORDER BY tx_id, position");
        cmd.CommandTimeout = 0;
        long rows = 0, chars = 0;
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                _ = reader.GetInt64(0) + reader.GetInt64(1) + reader.GetInt64(3);
                _ = reader.GetGuid(4);
                _ = reader.GetFieldValue<DateTimeOffset>(7);
                _ = reader.GetGuid(9);
                _ = reader.IsDBNull(10);
                chars += reader.GetString(2).Length + reader.GetString(5).Length + reader.GetString(6).Length + reader.GetString(8).Length + reader.GetString(11).Length;
                rows++;
            }
        }

        var elapsed = clock.Elapsed;
        if (rows != total || chars == 0)
        {
            throw new InvalidOperationException($"The raw read saw {rows:N0} rows, expected {total:N0}.");
        }

        return rows / elapsed.TotalSeconds;
    }

    /// <summary>Starts a daemon from checkpoint 0 and times it until its checkpoint reaches the last event.</summary>
    private static async Task<double> DaemonAsync(BenchContext ctx, EventStore.EventStore store, int total, int batchSize)
    {
        BenchContext.Log($"projection daemon catch-up (BatchSize {batchSize})");
        var s = $"\"{store.SchemaName}\"";
        long head;
        await using (var cmd = ctx.DataSource.CreateCommand($"SELECT max(position) FROM {s}.events"))
        {
            head = (long)(await cmd.ExecuteScalarAsync())!;
        }

        var projection = new CountsProjection($"bench-type-counts-{batchSize}");
        var daemon = new ProjectionDaemon(store, [projection], new ProjectionDaemonOptions { BatchSize = batchSize });
        Exception? error = null;
        daemon.Error += (_, e) => error ??= e;
        using var stop = new CancellationTokenSource();

        var clock = Stopwatch.StartNew();
        var run = daemon.RunAsync(stop.Token);
        var elapsed = await DaemonWatch.WaitForPositionAsync(ctx, s, projection.Name, head, run, () => error, clock, TimeSpan.FromMinutes(3));
        await stop.CancelAsync();
        await run;

        // The figure only counts if every event was applied exactly once.
        var counts = await store.Documents.ListAsync<TypeCount>(projection.Name);
        var applied = counts.Sum(c => c.Count);
        if (applied != total)
        {
            throw new InvalidOperationException($"The projection counted {applied:N0} events, expected {total:N0}.");
        }

        return total / elapsed.TotalSeconds;
    }
}

internal static class DaemonWatch
{
    /// <summary>
    /// Polls the checkpoint table (cheap, unlike ProjectionDaemon.StatusAsync, which counts the events behind) until the
    /// projection's checkpoint reaches <paramref name="head"/>; returns the clock's reading then.
    /// </summary>
    public static async Task<TimeSpan> WaitForPositionAsync(BenchContext ctx, string s, string projection, long head, Task daemon, Func<Exception?> error, Stopwatch clock, TimeSpan limit)
    {
        var lastLog = clock.Elapsed;
        while (true)
        {
            long position;
            await using (var cmd = ctx.DataSource.CreateCommand($"SELECT position FROM {s}.projection_checkpoints WHERE name = $1 AND active"))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
                position = await cmd.ExecuteScalarAsync() is long p ? p : 0;
            }

            if (position >= head)
            {
                return clock.Elapsed;
            }

            if (error() is { } e)
            {
                throw new InvalidOperationException($"The projection daemon failed: {e.Message}", e);
            }

            if (daemon.IsCompleted)
            {
                await daemon;
                throw new InvalidOperationException("The projection daemon stopped before it caught up.");
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"The projection did not reach position {head:N0} within {limit} (it is at {position:N0}).");
            }

            if (clock.Elapsed - lastLog > TimeSpan.FromSeconds(5))
            {
                BenchContext.Log($"  checkpoint at position {position:N0} of {head:N0}");
                lastLog = clock.Elapsed;
            }

            await Task.Delay(10);
        }
    }
}
