using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Quartz;

namespace Forum.Api.Infrastructure;

/// <summary>What a recurring job does about firings it missed (the process was down, or a long run held it back).</summary>
public enum Misfire
{
    /// <summary>Fire once at once, then every interval from then on (what was missed is done in one run, not many).</summary>
    RunNow,

    /// <summary>Forget what was missed and wait for the next firing on the schedule.</summary>
    Skip,
}

/// <summary>A recurring job as a feature asked for it (its interval before configuration overrides it).</summary>
public sealed record RecurringJob(string Name, Type JobType, TimeSpan Interval, Misfire Misfire);

/// <summary>
/// Quartz.NET on the same PostgreSQL: the persistent, clustered job store in a schema of its own (the event store's
/// schema with <c>_quartz</c>), created by our own migrations from Quartz's PostgreSQL script. Every API process is a
/// node of one cluster per event-store schema: a trigger fires on exactly one node, and when a node dies (it stops
/// checking in) another recovers its triggers within <see cref="CheckinInterval"/> + <see cref="CheckinMisfireThreshold"/>.
/// Features add jobs with <see cref="AddRecurringJob{TJob}"/>; this file knows none of them.
/// </summary>
public static class Jobs
{
    /// <summary>The group of every job and trigger registered here.</summary>
    public const string Group = "forum";

    /// <summary>How often a node records that it lives (a one-row update): short, so that a dead node's triggers move within 5 s.</summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How late a check-in may be before the others take the node for dead: far above a GC pause. A node stalled longer
    /// is recovered while alive, and a job of it may run twice at once: every job is idempotent for that reason.
    /// </summary>
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(1.5);

    /// <summary>The schema of Quartz's tables beside an event-store schema (each test fixture has its own store schema).</summary>
    public static string SchemaFor(string storeSchema) => storeSchema + "_quartz";

    /// <summary>The scheduler's name, the cluster's key in Quartz's tables: one cluster per event-store schema.</summary>
    public static string SchedulerNameFor(string storeSchema) => "forum-" + storeSchema;

    /// <summary>
    /// Fires <typeparamref name="TJob"/> every <paramref name="interval"/> (or <c>Jobs:Intervals:&lt;name&gt;</c>, a
    /// TimeSpan such as <c>00:00:01</c>), each firing on exactly one node of the cluster. A job class marked
    /// <c>[DisallowConcurrentExecution]</c> never runs twice at once anywhere in the cluster; one without it may run on
    /// several nodes at once (a firing comes due while an earlier one still runs).
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string name, TimeSpan interval, Misfire misfire)
        where TJob : class, IJob
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        services.AddSingleton(new RecurringJob(name, typeof(TJob), interval, misfire));
        services.TryAddScoped<TJob>();
        return services;
    }

    public static TimeSpan IntervalOf(IConfiguration configuration, string name, TimeSpan interval) =>
        configuration[$"Jobs:Intervals:{name}"] is { Length: > 0 } configured
            ? TimeSpan.Parse(configured, CultureInfo.InvariantCulture) is var parsed && parsed > TimeSpan.Zero
                ? parsed
                : throw new InvalidOperationException($"Jobs:Intervals:{name} must be a positive TimeSpan, not '{configured}'.")
            : interval;

    /// <summary>The scheduler and its hosted service, unless <c>Jobs:Enabled</c> is false.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.GetValue("Jobs:Enabled", true))
        {
            return services;
        }

        var storeSchema = configuration["EventStore:Schema"] ?? "forum";
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                // Quartz's repository of schedulers belongs to each container, so two API hosts of one schema in one
                // test process can share this name, as two processes do.
                o.InstanceName = SchedulerNameFor(storeSchema);
                o.InstanceId = "AUTO";
                o.GenerateInstanceId = true;
                // A stopping node asks its running jobs to wind up (they see their token cancelled) and waits for them.
                o.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
                // Looks again this often when nothing is due, beside the signals a recovery or a new trigger sends.
                o.IdleWaitTime = TimeSpan.FromSeconds(5);
            });
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(source => source.DataSourceFactory = sp => sp.GetRequiredService<NpgsqlDataSource>());
                store.UseSystemTextJsonSerializer();
                store.UseClustering(c =>
                {
                    c.CheckinInterval = CheckinInterval;
                    c.CheckinMisfireThreshold = CheckinMisfireThreshold;
                });
                store.ConfigureStore(o =>
                {
                    o.TablePrefix = $"{SchemaFor(storeSchema)}.qrtz_";
                    // Our migrations made the tables (MigrateJobStoreAsync); Quartz only checks they are there.
                    o.SchemaProvisioning = SchemaProvisioning.Validate;
                });
            });
        });
        services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            o.AwaitApplicationStarted = true;
        });
        // After Quartz's own hosted service, which starts the scheduler only once the application has started.
        services.AddHostedService<RecurringJobsSetup>();
        return services;
    }

    /// <summary>
    /// Quartz's tables, from Quartz 4.7.3's own PostgreSQL script (a copy in Infrastructure/quartz-postgres.sql), as a
    /// component migration of the event-store schema: versioned, once, under the schema's advisory lock, so processes
    /// starting together neither race nor half-apply. A later Quartz that changes its tables is a new migration here.
    /// </summary>
    public static Task MigrateJobStoreAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var store = services.GetRequiredService<EventStore.EventStore>();
        return EventStore.Schema.MigrateComponentAsync(store.DataSource, store.SchemaName, "quartz", Migrations(store.SchemaName), ct);
    }

    public static IReadOnlyList<string> Migrations(string storeSchema)
    {
        var schema = EventStore.Schema.Quote(SchemaFor(storeSchema));
        // {0} is the table prefix with its schema, {1} the prefix alone (index names); statements are split by --;;.
        var script = QuartzScript.Value.Replace("{0}", $"{schema}.qrtz_", StringComparison.Ordinal).Replace("{1}", "qrtz_", StringComparison.Ordinal);
        return [$"CREATE SCHEMA IF NOT EXISTS {schema};\n" + script.Replace("--;;", "", StringComparison.Ordinal)];
    }

    private static readonly Lazy<string> QuartzScript = new(() =>
    {
        using var stream = typeof(Jobs).Assembly.GetManifestResourceStream("Infrastructure.quartz-postgres.sql")
            ?? throw new InvalidOperationException("The Quartz schema script is not embedded in the API assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}

/// <summary>
/// Stores each recurring job's trigger, or replaces it when its interval or misfire rule changed; an unchanged one is
/// left alone, so that a process starting never disturbs a firing another has acquired. Triggers start on a grid of
/// their interval counted from the Unix epoch, so every process computes the same times. One process at a time does
/// this (an advisory lock per job store), so processes starting together store each trigger once.
/// </summary>
internal sealed class RecurringJobsSetup(
    IScheduler scheduler, IEnumerable<RecurringJob> registrations, IConfiguration configuration, EventStore.EventStore store, TimeProvider time,
    ILogger<RecurringJobsSetup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var jobs = registrations.ToList();
        if (jobs.Count == 0)
        {
            return;
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        var key = $"forum-jobs:{Jobs.SchemaFor(store.SchemaName)}";
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended($1, 0))", connection))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = key });
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            foreach (var job in jobs)
            {
                await EnsureAsync(job, cancellationToken);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection);
            release.Parameters.Add(new NpgsqlParameter { Value = key });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAsync(RecurringJob job, CancellationToken ct)
    {
        var interval = Jobs.IntervalOf(configuration, job.Name, job.Interval);
        var misfire = job.Misfire switch
        {
            Misfire.RunNow => SimpleTriggerMisfireInstruction.NowWithExistingCount,
            _ => SimpleTriggerMisfireInstruction.NextWithRemainingCount,
        };
        var triggerKey = new TriggerKey(job.Name, Jobs.Group);
        if (await scheduler.GetTrigger(triggerKey, ct) is ISimpleTrigger stored && stored.RepeatInterval == interval && stored.MisfireInstruction == misfire)
        {
            return;
        }

        var now = time.GetUtcNow();
        var start = new DateTimeOffset(((now.UtcTicks / interval.Ticks) + 1) * interval.Ticks, TimeSpan.Zero);
        var detail = JobBuilder.Create().OfType(job.JobType).WithIdentity(job.Name, Jobs.Group).Build();
        var trigger = TriggerBuilder.Create(time)
            .WithIdentity(triggerKey)
            .ForJob(detail.Key)
            .StartAt(start)
            .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(interval).RepeatForever().WithMisfireInstruction(misfire))
            .Build();
        await scheduler.ScheduleJob(detail, trigger, new ScheduleJobOptions { Replace = true }, ct);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Recurring job {Job} stored: every {Interval}, misfires {Misfire}, from {Start}", job.Name, interval, misfire, start);
        }
    }
}
