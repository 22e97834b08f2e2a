using System.Diagnostics;

namespace Forum.Benchmarks;

/// <summary>What one measurement window saw: units (events or rows) completed inside it, and when it ran.</summary>
internal sealed record WindowResult(long Units, TimeSpan Elapsed, DateTimeOffset Start, DateTimeOffset End)
{
    public double PerSecond => Units / Elapsed.TotalSeconds;

    /// <summary>Two windows of one side taken together (rounds of an interleaved comparison).</summary>
    public WindowResult Add(WindowResult other) =>
        new(Units + other.Units, Elapsed + other.Elapsed, Start < other.Start ? Start : other.Start, End > other.End ? End : other.End);
}

/// <summary>
/// Closed-loop load: N workers each repeat one operation back to back. A warm-up runs unmeasured, then only
/// operations that complete inside a fixed window count; operations still in flight when it closes are dropped.
/// A fixed window (rather than a fixed operation count) gives store and baseline exactly the same time.
/// </summary>
internal static class Harness
{
    private const int Warmup = 0, Measuring = 1, Stopped = 2;

    /// <summary>
    /// Rounds of a comparison, each side once per round, the baseline first in even rounds and second in odd ones, after
    /// a checkpoint: on a shared machine, checkpoints, table growth and bursts of slow disk then fall on both sides alike.
    /// Each side is given the round's number (from 0).
    /// </summary>
    public static async Task AlternateAsync(BenchContext ctx, int rounds, Func<int, Task> baseline, Func<int, Task> measured)
    {
        for (var round = 0; round < rounds; round++)
        {
            foreach (var isBaseline in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                await ctx.CheckpointAsync();
                await (isBaseline ? baseline : measured)(round);
            }
        }
    }

    /// <param name="operation">Runs one operation of worker <c>w</c> and returns the units it completed.</param>
    public static async Task<WindowResult> RunAsync(int workers, TimeSpan warmup, TimeSpan window, Func<int, Task<int>> operation)
    {
        var phase = new Phase();
        var counts = new long[workers];
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            try
            {
                while (phase.Value != Stopped)
                {
                    var units = await operation(w);
                    if (phase.Value == Measuring)
                    {
                        counts[w] += units;
                    }
                }
            }
            catch
            {
                phase.Value = Stopped; // one failure ends the run: the figure would be meaningless
                throw;
            }
        })).ToArray();
        var all = Task.WhenAll(tasks);

        await Task.WhenAny(all, Task.Delay(warmup));
        phase.Value = Measuring;
        var start = Stopwatch.GetTimestamp();
        var startedAt = TimeProvider.System.GetUtcNow();
        await Task.WhenAny(all, Task.Delay(window));
        phase.Value = Stopped;
        var elapsed = Stopwatch.GetElapsedTime(start);
        var endedAt = TimeProvider.System.GetUtcNow();
        await all; // rethrows the first failure
        return new WindowResult(counts.Sum(), elapsed, startedAt, endedAt);
    }

    private sealed class Phase
    {
        private volatile int value = Warmup;

        public int Value
        {
            get => value;
            set => this.value = value;
        }
    }
}
