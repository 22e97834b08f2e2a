using System.Collections.Concurrent;
using System.Diagnostics;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace Forum.Api.Tests.Notifications;

/// <summary>Quartz's clustered store on the event store's database: its tables, and one firing per trigger across nodes.</summary>
[Collection(ApiCollection.Name)]
public sealed class JobClusterTests(ApiFixture api)
{
    private NpgsqlDataSource DataSource => api.Services.GetRequiredService<NpgsqlDataSource>();

    [Fact]
    public async Task The_job_store_tables_are_made_once_in_their_own_schema_however_many_processes_start_at_once()
    {
        var schema = "api_" + Guid.NewGuid().ToString("N")[..16];
        // Eight "processes" starting together, then one more later: the advisory lock lets one apply, the rest see it done.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Forum.EventStore.Schema.MigrateComponentAsync(DataSource, schema, "quartz", Jobs.Migrations(schema)))));
        await Forum.EventStore.Schema.MigrateComponentAsync(DataSource, schema, "quartz", Jobs.Migrations(schema));

        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".component_migrations WHERE component = 'quartz'"));
        var tables = await ScalarAsync<string[]>(
            "SELECT array_agg(table_name::text ORDER BY table_name) FROM information_schema.tables WHERE table_schema = $1", Jobs.SchemaFor(schema));
        Assert.Contains("qrtz_triggers", tables);
        Assert.Contains("qrtz_fired_triggers", tables);
        Assert.Contains("qrtz_scheduler_state", tables);
        Assert.Contains("qrtz_locks", tables);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'qrtz%'", schema));
    }

    [Fact]
    public async Task The_API_s_scheduler_is_a_clustered_node_named_after_its_schema()
    {
        // The shared fixture's API runs a scheduler: it checks in, under its schema's name, in its schema's job store.
        var deadline = Stopwatch.StartNew();
        long nodes;
        while ((nodes = await ScalarAsync<long>(
            $"SELECT count(*) FROM \"{Jobs.SchemaFor(api.Schema)}\".qrtz_scheduler_state WHERE sched_name = $1", Jobs.SchedulerNameFor(api.Schema))) == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the API's scheduler never checked in");
            await Task.Delay(100);
        }

        Assert.Equal(1, nodes);
        var scheduler = api.Services.GetRequiredService<IScheduler>();
        Assert.Equal(Jobs.SchedulerNameFor(api.Schema), scheduler.SchedulerName);
        Assert.NotEqual("NON_CLUSTERED", scheduler.SchedulerInstanceId);
    }

    [Fact]
    public async Task A_recurring_job_fires_on_exactly_one_of_two_nodes_each_time_and_the_survivor_carries_on_when_one_stops()
    {
        await using var first = new ProbeApi();
        _ = first.Services;
        var second = first.WithWebHostBuilder(_ => { });
        _ = second.Services;
        var firstNode = first.Services.GetRequiredService<IScheduler>().SchedulerInstanceId;
        var secondNode = second.Services.GetRequiredService<IScheduler>().SchedulerInstanceId;
        Assert.NotEqual(firstNode, secondNode);

        var firings = ProbeJob.Firings(Jobs.SchedulerNameFor(first.Schema));
        await WaitUntilAsync(() => firings.Count >= 8, TimeSpan.FromSeconds(60), "the probe job fired fewer than 8 times");

        // Each scheduled firing ran once, on one node (the interval came from Jobs:Intervals:probe, not the hour registered).
        var seen = firings.ToArray();
        Assert.All(seen.GroupBy(f => f.Scheduled), g => Assert.Single(g));
        Assert.All(seen, f => Assert.Contains(f.Node, new[] { firstNode, secondNode }));
        var gaps = seen.Select(f => f.Scheduled).Order().Zip(seen.Select(f => f.Scheduled).Order().Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(30)));

        // The second node stops; the first fires every firing after that.
        await second.DisposeAsync();
        var stoppedAt = DateTimeOffset.UtcNow;
        await WaitUntilAsync(() => firings.Count(f => f.Scheduled > stoppedAt) >= 3, TimeSpan.FromSeconds(30), "the first node did not carry on alone");
        Assert.All(firings.Where(f => f.Scheduled > stoppedAt.AddSeconds(1)), f => Assert.Equal(firstNode, f.Node));
        Assert.All(firings.ToArray().GroupBy(f => f.Scheduled), g => Assert.Single(g));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan within, string failure)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < within, failure);
            await Task.Delay(100);
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>An API of its own schema with a probe job registered for an hour and configured for every second.</summary>
    private sealed class ProbeApi : ApiFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Jobs:Intervals:probe", "00:00:01");
            builder.ConfigureServices(services => services.AddRecurringJob<ProbeJob>("probe", TimeSpan.FromHours(1), Misfire.Skip));
        }
    }
}

/// <summary>Records which node ran which scheduled firing, per scheduler (one per test's schema).</summary>
public sealed class ProbeJob : IJob
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<(string Node, DateTimeOffset Scheduled)>> All = new();

    public static ConcurrentQueue<(string Node, DateTimeOffset Scheduled)> Firings(string scheduler) => All.GetOrAdd(scheduler, _ => new());

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        Firings(context.Scheduler.SchedulerName).Enqueue((context.Scheduler.SchedulerInstanceId, context.ScheduledFireTimeUtc ?? context.FireTimeUtc));
        return ValueTask.CompletedTask;
    }
}
