namespace Forum.Benchmarks;

/// <summary>
/// One benchmark group: what `--only` names, what `--list` prints, and the programs it starts beside this one (checked
/// before the first measurement, so that a missing program fails the run at once instead of after minutes of figures).
/// </summary>
internal sealed record BenchGroup(string Name, string Measures, params string[] Needs);

internal static class BenchGroups
{
    /// <summary>In the order a full run takes them.</summary>
    public static readonly IReadOnlyList<BenchGroup> All =
    [
        new("append", "the store's appends (1 event to a new stream, 10 to an existing one; 1 and 16 writers) against raw INSERTs"),
        new("marten", "Marten 9.62's Quick and Rich appends (1 and 16 writers), daemon catch-up and HotCold lag beside Forum's store and the raw INSERT"),
        new("catchup", "the projection daemon catching up over 1,000,000 stored events against a raw ordered read"),
        new("lag", "projection lag p50 and p99 under 16 writers, against the 250 ms goal"),
        new("read", "GET agenda JSON and frab XML of a 400-session conference against the same bytes from memory"),
        new("register", "bursts of 500 delegation registrations from 32 clients against single-event appends"),
        new("checkin", "check-ins from 16 scanners in a 5,000-participant conference against a minimal endpoint appending one event, and 2,000 queued scans in batches against one by one"),
        new("speaking", "computing and fixing the speaking order of a 200-delegation session against GET delegations"),
        new("declarations", "GET a register of 200 signatories and a year's progress against the same bytes from memory"),
        new("calendars", "GET the demo feed and personal feeds (10,000-member conference, 304s) against bytes from memory"),
        new("mail", "10,000 mails through the outbox by 2 API processes against each mail written durably and sent in process", "dotnet"),
        new("web", "the web client's conference page against the API's agenda JSON, and the page's weight"),
        new("staff", "the staff app's agenda board and a move on it, signed in through the local identity provider"),
        new("scanner", "the check-in scanner's answer to 1,000 typed badge codes (valid and forged) in headless Chromium, against the 50 ms goal", "chromium"),
        new("tracing", "API requests/s with traces exported over OTLP against tracing off (the demo feed, a registration), two API processes", "dotnet"),
        new("cluster", "two API processes behind nginx against one (read- and write-heavy mixes), and failover after SIGKILL", "dotnet", "nginx"),
    ];

    public static string Names => string.Join("|", All.Select(g => g.Name));

    public static string List()
    {
        var width = All.Max(g => g.Name.Length);
        return string.Concat(All.Select(g => $"{g.Name.PadRight(width)}  {g.Measures}{Environment.NewLine}"));
    }

    /// <summary>The programs the chosen groups start that are not on PATH.</summary>
    public static IReadOnlyList<string> Missing(BenchOptions options) =>
        [.. All.Where(g => options.Runs(g.Name)).SelectMany(g => g.Needs).Distinct().Where(program => !OnPath(program))];

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
