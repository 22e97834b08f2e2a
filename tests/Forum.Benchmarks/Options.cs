namespace Forum.Benchmarks;

/// <summary>Command line of the benchmark program, and the window lengths it implies.</summary>
internal sealed record BenchOptions(string ConnectionString, string OutPath, bool Quick, string? Only = null)
{
    public const string Usage =
        "usage: Forum.Benchmarks --db \"<npgsql connection string>\" --out <path/bench.json> [--quick] [--only append|catchup|lag|read|register|checkin|speaking|declarations|calendars|mail|web|staff|cluster|tracing]\n" +
        "  --quick  short windows and a 100,000-event catch-up, for smoke tests (figures are not comparable)";

    /// <summary>Time before a window in which writers run unmeasured: fills the pool, JITs, warms caches.</summary>
    public TimeSpan Warmup => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);

    /// <summary>Warm-up of the later rounds of a side, whose code and pool are warm already.</summary>
    public TimeSpan RoundWarmup => Quick ? TimeSpan.FromSeconds(0.25) : TimeSpan.FromSeconds(0.3);

    /// <summary>Total measurement window of each side of an append comparison (store and baseline alike).</summary>
    public TimeSpan Window => Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(10);

    /// <summary>The window is split into this many rounds, alternating store and baseline.</summary>
    public int Rounds => Quick ? 2 : 8;

    public int CatchUpEvents => Quick ? 100_000 : 1_000_000;

    public TimeSpan LagWindow => Quick ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(15);

    /// <summary>Registration bursts (each into a fresh conference), alternating with as many baseline windows.</summary>
    public int RegistrationRounds => Quick ? 2 : 5;

    /// <summary>Each baseline window beside the registration bursts: about as long as one burst of 500.</summary>
    public TimeSpan RegistrationBaselineWindow => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);

    /// <summary>Check-in bursts (together 4,500 first check-ins of the 5,000 participants, after 500 of warm-up), alternating with as many baseline windows.</summary>
    public int CheckInRounds => Quick ? 2 : 5;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        string? db = null, output = null;
        var quick = false;
        string? only = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--db":
                    db = Value(args, ref i);
                    break;
                case "--out":
                    output = Value(args, ref i);
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--only":
                    only = Value(args, ref i);
                    if (only is not ("append" or "catchup" or "lag" or "read" or "register" or "checkin" or "speaking" or "declarations" or "calendars" or "mail" or "web" or "staff" or "cluster" or "tracing"))
                    {
                        throw new UsageException($"--only takes append, catchup, lag, read, register, checkin, speaking, declarations, calendars, mail, web, staff, cluster or tracing, not '{only}'");
                    }

                    break;
                case "-h" or "--help":
                    throw new UsageException(null);
                default:
                    throw new UsageException($"unknown argument '{args[i]}'");
            }
        }

        if (string.IsNullOrWhiteSpace(db))
        {
            throw new UsageException("--db is required");
        }

        if (string.IsNullOrWhiteSpace(output))
        {
            throw new UsageException("--out is required");
        }

        return new BenchOptions(db, Path.GetFullPath(output), quick, only);
    }

    /// <summary>Whether the benchmark group runs in this invocation (all of them unless --only names one).</summary>
    public bool Runs(string group) => Only is null || Only == group;

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException($"{args[i]} needs a value");
        }

        return args[++i];
    }
}

/// <summary>Bad command line: the message (if any) and the usage are printed, exit code 2.</summary>
internal sealed class UsageException(string? message) : Exception(message ?? "help requested")
{
    public bool IsHelp { get; } = message is null;
}
