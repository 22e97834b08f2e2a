using System.Diagnostics;
using System.Text;
using Forum.Benchmarks;
using Npgsql;

// Event-store benchmarks: every figure beside a raw-Npgsql baseline (or a goal) measured in the same run.
// Run by `./forum bench` against a throwaway PostgreSQL with durable settings.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException e)
{
    if (!e.IsHelp)
    {
        Console.Error.WriteLine($"bench: {e.Message}");
    }

    Console.Error.WriteLine(BenchOptions.Usage);
    return e.IsHelp ? 0 : 2;
}

if (options.List)
{
    Console.Write(BenchGroups.List());
    return 0;
}

try
{
    return await BenchRun.RunAsync(options) ? 0 : 1;
}
catch (SetupException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 1;
}
catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
{
    // A benchmark failed mid-run: the whole exception says where.
    Console.Error.WriteLine($"bench: failed: {e}");
    return 1;
}

internal static class BenchRun
{
    /// <summary>Runs the chosen groups; false when one of them failed (the others still ran, and their figures are written).</summary>
    public static async Task<bool> RunAsync(BenchOptions options)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            Report.EnsureWritable(options.OutPath); // fail now, not after minutes of measuring
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SetupException($"cannot write --out {options.OutPath}: {e.Message}", e);
        }

        if (BenchGroups.Missing(options) is [_, ..] missing)
        {
            throw new SetupException($"not installed (needed by the groups chosen; ./forum bench installs them): {string.Join(", ", missing)}", null);
        }

        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new SetupException($"--db is not a valid Npgsql connection string: {e.Message}", e);
        }

        // 16 writers plus the daemon's lease, batch and status connections, with room to spare: nobody waits on the pool.
        connection.MaxPoolSize = Math.Max(connection.MaxPoolSize, 64);
        connection.ApplicationName ??= "forum-bench";
        // As Forum.Api configures its data source: appends and reads are prepared once per connection, and pooled
        // connections are not reset when given back.
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
        }

        connection.NoResetOnClose = true;

        await using var dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
        await DescribeServerAsync(dataSource);

        await using var ctx = new BenchContext(dataSource, options);
        var payload = Encoding.UTF8.GetByteCount(ctx.Types.Serialize(BenchEvents.Post(Guid.NewGuid(), 1, 1)));
        BenchContext.Log($"Npgsql: Max Pool Size={connection.MaxPoolSize}, Max Auto Prepare={connection.MaxAutoPrepare}, No Reset On Close (both sides)");
        BenchContext.Log($"payload: {payload} bytes of JSON per event; window {options.Window.TotalSeconds:N0} s after {options.Warmup.TotalSeconds:N0} s warm-up{(options.Quick ? " (--quick)" : "")}");

        var figures = new List<Figure>();
        var failed = new List<string>();

        // Each group's figures are written as soon as it ends, and a failing group does not stop the others: a run that
        // fails after an hour still leaves every figure it measured in bench.json.
        async Task GroupAsync(string group, Func<Task<IEnumerable<Figure>>> run)
        {
            if (!options.Runs(group))
            {
                return;
            }

            try
            {
                figures.AddRange(await run());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failed.Add(group);
                Console.Error.WriteLine($"bench: the {group} group FAILED; the other groups go on: {e}");
            }

            await Report.WriteJsonAsync(options.OutPath, figures);
        }

        await GroupAsync("append", async () => await AppendBenchmarks.RunAsync(ctx));
        await GroupAsync("marten", async () => await MartenBenchmark.RunAsync(ctx));
        await GroupAsync("catchup", async () => await CatchUpBenchmark.RunAsync(ctx));
        await GroupAsync("lag", async () => await LagBenchmark.RunAsync(ctx));
        await GroupAsync("read", async () => await ReadBenchmarks.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("register", async () => await RegistrationBenchmark.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("checkin", async () => await CheckInBenchmark.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("speaking", async () => await SpeakingOrderBenchmark.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("declarations", async () => await DeclarationBenchmarks.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("calendars", async () => await CalendarBenchmarks.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("mail", async () => await MailBenchmark.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("web", async () => await WebBenchmarks.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("staff", async () => await StaffBenchmarks.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("scanner", async () => await ScannerBenchmark.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("tracing", async () => await TracingBenchmark.RunAsync(ctx, connection.ConnectionString));
        await GroupAsync("cluster", async () => await ClusterBenchmark.RunAsync(ctx, connection.ConnectionString));

        var goals = new Dictionary<string, string>
        {
            [AppendBenchmarks.Single16] = "ratio >= 0.8",
            [CatchUpBenchmark.FigureName(options.CatchUpEvents, CatchUpBenchmark.DefaultBatchSize)] = ">= 50,000 events/s",
            [CatchUpBenchmark.FigureName(options.CatchUpEvents, CatchUpBenchmark.LargeBatchSize)] = ">= 50,000 events/s",
            [MartenBenchmark.LagP99] = $"a figure (Forum's goal: <= {LagBenchmark.GoalMs} ms)",
            [MartenBenchmark.LagP99Notify] = $"a figure (Forum's goal: <= {LagBenchmark.GoalMs} ms)",
            [MartenBenchmark.NotifyAppends] = "a figure (baseline: the same writers with Marten's default polling)",
            [LagBenchmark.P50] = $"<= {LagBenchmark.GoalMs} ms",
            [LagBenchmark.P99] = $"<= {LagBenchmark.GoalMs} ms",
            [ReadBenchmarks.AgendaJson] = "ratio >= 0.7",
            [ReadBenchmarks.ScheduleXml] = "ratio >= 0.7",
            [RegistrationBenchmark.Burst] = $"ratio >= 0.1 (baseline: {RegistrationBenchmark.BaselineName})",
            [RegistrationBenchmark.P99] = $"<= {RegistrationBenchmark.GoalMs} ms",
            [CheckInBenchmark.Figure] = $"ratio >= 0.5 (baseline: {CheckInBenchmark.BaselineName})",
            [CheckInBenchmark.LatencyP99] = "< 100 ms",
            [CheckInBenchmark.StoreFigure] = "a figure (the earlier baseline)",
            [ScannerBenchmark.P50] = $"<= {ScannerBenchmark.GoalMs} ms",
            [ScannerBenchmark.P99] = $"< {ScannerBenchmark.GoalMs} ms",
            [CheckInBenchmark.Upload] = "a figure (baseline: the same number of scans one by one)",
            [StaffBenchmarks.Board] = "ratio >= 0.5 (baseline: the web client's public conference page of the same agenda)",
            [StaffBenchmarks.MoveP50] = "a figure (baseline: the same move straight to the API)",
            [StaffBenchmarks.MoveP99] = "a figure (baseline: the same move straight to the API)",
            [ClusterBenchmark.Reads] = "a figure (baseline: one API process behind nginx)",
            [ClusterBenchmark.Writes] = "a figure (baseline: one API process behind nginx)",
            [ClusterBenchmark.Failover] = "a figure (5,000 ms: what the deployment test allows)",
            [SpeakingOrderBenchmark.Compute] = "a figure (baseline: GET the conference's delegations)",
            [SpeakingOrderBenchmark.Fix] = "a figure (baseline: GET the conference's delegations)",
            [DeclarationBenchmarks.Register] = "ratio >= 0.7",
            [DeclarationBenchmarks.Progress] = "ratio >= 0.7",
            [CalendarBenchmarks.DemoFeed] = "ratio >= 0.8",
            [CalendarBenchmarks.PersonalFeed] = "ratio >= 0.8",
            [CalendarBenchmarks.NotModified] = "a figure (baseline: the same feed's bytes from memory)",
            [CalendarBenchmarks.SizeIndependent] = "ratio >= 0.9 (baseline: the 10-member conference)",
            [MailBenchmark.Figure] = $"ratio >= 0.7 (baseline: {MailBenchmark.BaselineName})",
            [MailBenchmark.Straight] = "a figure (baseline: the same requests sent straight to the sink, nothing written)",
            [MailBenchmark.Twice] = "0",
            [WebBenchmarks.Page] = "ratio >= 0.5 (baseline: the API's agenda JSON)",
            [WebBenchmarks.Compressed] = $"<= {WebBenchmarks.CompressedGoal:N0} bytes (60 KB)",
            [WebBenchmarks.Uncompressed] = "a figure (baseline: the agenda JSON's bytes)",
            [TracingBenchmark.Feed] = $"a figure (baseline: {TracingBenchmark.BaselineName})",
            [TracingBenchmark.Register] = $"a figure (baseline: {TracingBenchmark.BaselineName})",
        };
        await Report.WriteJsonAsync(options.OutPath, figures);
        Console.WriteLine();
        Console.Write(Report.Table(figures, goals));
        Console.WriteLine();
        Console.WriteLine($"Figures written to {options.OutPath}; total time {clock.Elapsed.TotalSeconds:N0} s.");
        if (failed.Count > 0)
        {
            Console.Error.WriteLine($"bench: FAILED: {string.Join(", ", failed)} (see above); the table holds the other groups' figures");
        }

        return failed.Count == 0;
    }

    /// <summary>Prints what the figures were measured on; durability settings change them by an order of magnitude.</summary>
    private static async Task DescribeServerAsync(NpgsqlDataSource dataSource)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand(
                "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes'), current_setting('shared_buffers')");
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            BenchContext.Log($"PostgreSQL {reader.GetString(0)}: fsync={reader.GetString(1)}, synchronous_commit={reader.GetString(2)}, full_page_writes={reader.GetString(3)}, shared_buffers={reader.GetString(4)}; {Environment.ProcessorCount} cores");
            if (reader.GetString(1) != "on" || reader.GetString(2) == "off")
            {
                BenchContext.Log("warning: the server is not durable; append figures will not match production");
            }
        }
        catch (NpgsqlException e)
        {
            throw new SetupException($"cannot reach PostgreSQL with --db: {e.Message}", e);
        }
    }
}

/// <summary>The run cannot start (connection string, server, output path): reported without a stack trace.</summary>
internal sealed class SetupException(string message, Exception? inner) : Exception(message, inner);
