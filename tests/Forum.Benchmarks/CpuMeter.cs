using System.Diagnostics;
using System.Globalization;

namespace Forum.Benchmarks;

/// <summary>
/// CPU used by this process (API and clients alike) and by the PostgreSQL cluster (the postmaster, its live children
/// and the children it reaped), read from /proc: what a unit of work costs, less sensitive to a busy machine than a
/// rate. The cluster's share is only known when PostgreSQL runs on this machine and its data directory is readable.
/// </summary>
internal sealed class CpuMeter
{
    private readonly int? postmaster;

    private CpuMeter(int? postmaster) => this.postmaster = postmaster;

    public static async Task<CpuMeter> CreateAsync(BenchContext ctx)
    {
        try
        {
            await using var cmd = ctx.DataSource.CreateCommand("SHOW data_directory");
            var directory = (string)(await cmd.ExecuteScalarAsync())!;
            var pid = int.Parse(File.ReadLines(Path.Combine(directory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            return new CpuMeter(pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or Npgsql.PostgresException)
        {
            return new CpuMeter(null);
        }
    }

    // Reading the cluster's CPU walks /proc, which costs this process some CPU: it is left outside the span measured.

    /// <summary>A reading at the start of a span (this process's CPU read after the walk of /proc).</summary>
    public (TimeSpan Process, TimeSpan? Database) Start()
    {
        var database = DatabaseCpu();
        return (Process.GetCurrentProcess().TotalProcessorTime, database);
    }

    /// <summary>A reading at the end of a span (this process's CPU read before the walk of /proc).</summary>
    public (TimeSpan Process, TimeSpan? Database) Stop()
    {
        var process = Process.GetCurrentProcess().TotalProcessorTime;
        return (process, DatabaseCpu());
    }

    /// <summary>CPU between two readings, per unit of work, in microseconds: this process's, and the database's when known.</summary>
    public static string PerUnit((TimeSpan Process, TimeSpan? Database) before, (TimeSpan Process, TimeSpan? Database) after, long units) =>
        $"{(after.Process - before.Process).TotalMicroseconds / Math.Max(1, units):N0} µs in this process"
        + (after.Database is { } d && before.Database is { } b ? $", {(d - b).TotalMicroseconds / Math.Max(1, units):N0} µs in PostgreSQL" : "");

    private TimeSpan? DatabaseCpu()
    {
        if (postmaster is not { } root)
        {
            return null;
        }

        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }

            var fields = StatFields(stat);
            var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == root || ppid == root)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                if (pid == root)
                {
                    ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
            }
        }

        // Linux reports these in clock ticks of 1/100 s (USER_HZ).
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>The fields of /proc/.../stat after "pid (comm) ": state, ppid, ... utime (index 11), stime, cutime, cstime.</summary>
    private static string[] StatFields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    /// <summary>
    /// CPU spent so far by the runtime's tiered-compilation thread of a process (".NET Tiered Com" in /proc): while it
    /// still grows, the process is still compiling hot code afresh, and a figure taken then is not the steady state.
    /// </summary>
    public static TimeSpan TieringCpu(int pid)
    {
        long ticks = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = StatFields(File.ReadAllText(Path.Combine(task, "stat")));
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>
    /// Runs warm-up rounds until none of the processes spent more than 20 ms compiling during one, from the third on (the
    /// first rounds may look quiet: tiering starts only after a delay), and at most <paramref name="maxRounds"/>; returns
    /// how many ran.
    /// </summary>
    public static async Task<int> WarmUntilCompiledAsync(Func<Task> round, int maxRounds, params int[] pids)
    {
        for (var rounds = 1; ; rounds++)
        {
            var before = pids.Select(TieringCpu).ToArray();
            await round();
            // The tiering thread works in the background after the calls that promoted a method: let it catch up.
            await Task.Delay(300);
            var spent = pids.Select((pid, i) => TieringCpu(pid) - before[i]).Max();
            if ((rounds >= 3 && spent <= TimeSpan.FromMilliseconds(20)) || rounds == maxRounds)
            {
                return rounds;
            }
        }
    }
}
