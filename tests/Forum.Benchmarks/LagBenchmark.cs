using System.Diagnostics;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Benchmarks;

/// <summary>
/// Projection lag under append load: 16 writers append single events as fast as they can while a daemon (default
/// options, woken in-process by each append) projects them. Lag = when the projection applied an event minus the
/// event's RecordedAt, both on TimeProvider.System in this process.
/// </summary>
internal static class LagBenchmark
{
    public const string P50 = "projection lag p50, 16 writers";
    public const string P99 = "projection lag p99, 16 writers";
    public const double GoalMs = 250;
    private const int Writers = 16;

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchContext ctx)
    {
        BenchContext.Log($"projection lag under {Writers} writers for {ctx.Options.LagWindow.TotalSeconds:N0} s");
        var store = await ctx.NewStoreAsync("lag");
        var s = $"\"{store.SchemaName}\"";

        // Only the daemon's one loop calls the projection, so the list needs no lock; it is read after the loop stops.
        var samples = new List<(DateTimeOffset RecordedAt, double LagMs)>(1 << 20);
        var projection = new CountsProjection("bench-type-counts", events =>
        {
            var now = TimeProvider.System.GetUtcNow();
            foreach (var e in events)
            {
                samples.Add((e.RecordedAt, (now - e.RecordedAt).TotalMilliseconds));
            }
        });
        var daemon = new ProjectionDaemon(store, [projection]);
        Exception? error = null;
        daemon.Error += (_, e) => error ??= e;
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);
        while (!daemon.IsLeading(projection.Name))
        {
            if (run.IsCompleted || error is not null)
            {
                throw new InvalidOperationException("The projection daemon did not start.", error);
            }

            await Task.Delay(10);
        }

        await ctx.CheckpointAsync();
        var sequence = new int[Writers];
        var load = await Harness.RunAsync(Writers, ctx.Options.Warmup, ctx.Options.LagWindow, async w =>
        {
            var n = ++sequence[w];
            await store.AppendAsync($"topic-{w}-{n}", BenchEvents.StreamType, ExpectedVersion.NoStream, [BenchEvents.Post(Guid.CreateVersion7(), w, n)], BenchEvents.Metadata(w));
            return 1;
        });

        // Let the daemon drain, so that the slowest events of the window are in the sample too.
        var head = await store.HeadAsync();
        await DaemonWatch.WaitForPositionAsync(ctx, s, projection.Name, head.Position, run, () => error, Stopwatch.StartNew(), TimeSpan.FromMinutes(1));
        await stop.CancelAsync();
        await run;

        var lags = samples.Where(x => x.RecordedAt >= load.Start && x.RecordedAt <= load.End).Select(x => x.LagMs).Order().ToArray();
        if (lags.Length == 0)
        {
            throw new InvalidOperationException("No event of the measurement window reached the projection.");
        }

        BenchContext.Log($"  {load.PerSecond:N0} appends/s; {lags.Length:N0} events measured; lag p50 {Percentile(lags, 50):N1} ms, p90 {Percentile(lags, 90):N1} ms, p99 {Percentile(lags, 99):N1} ms, max {lags[^1]:N1} ms");
        return [Figure.Latency(P50, Percentile(lags, 50), GoalMs), Figure.Latency(P99, Percentile(lags, 99), GoalMs)];
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
