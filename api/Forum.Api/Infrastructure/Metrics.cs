using System.Data.Common;
using System.Diagnostics.Metrics;
using Forum.EventStore.Projections;

namespace Forum.Api.Infrastructure;

/// <summary>
/// Figures a feature reads from the database for /metrics (a count, a lag). They are the same in every API process,
/// since the processes share the database.
/// </summary>
public interface IDatabaseGauges
{
    /// <summary>Reads the figures again; called just before each scrape. Never throws on a database error.</summary>
    Task RefreshAsync(CancellationToken ct);
}

/// <summary>
/// Observable gauges over figures read from the database. Their callbacks run synchronously inside the exporter's
/// collection, so they only hand out what <see cref="RefreshAsync"/> last read, asynchronously, before the scrape.
/// After a failed read they report nothing: the series is absent from that scrape rather than old.
/// </summary>
public abstract class DatabaseGauges<T>(ILogger logger) : IDatabaseGauges
    where T : class
{
    private volatile T? last;

    /// <summary>The figures of the last read, or null after a failed one.</summary>
    protected T? Last => last;

    public async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            last = await ReadAsync(ct);
        }
        catch (Exception e) when (e is DbException or TimeoutException or OperationCanceledException)
        {
            last = null;
            logger.LogWarning("{Gauges} not read for this scrape: {Error}", GetType().Name, e.Message);
        }
    }

    protected abstract Task<T> ReadAsync(CancellationToken ct);
}

/// <summary>The instruments the API itself creates (the event store has its own meter, Forum.EventStore).</summary>
public static class ForumMeter
{
    public const string Name = "Forum.Api";
}

/// <summary>Each async projection's lag, in time and in events.</summary>
public sealed class ProjectionGauges : DatabaseGauges<IReadOnlyList<ProjectionStatus>>
{
    private readonly ProjectionDaemon daemon;

    public ProjectionGauges(ProjectionDaemon daemon, IMeterFactory meters, ILogger<ProjectionGauges> logger)
        : base(logger)
    {
        this.daemon = daemon;
        var meter = meters.Create(ForumMeter.Name);
        meter.CreateObservableGauge("forum.projection.lag", () => Active(p => p.Lag.TotalSeconds), "s",
            "Age of the oldest event an async projection has not handled yet");
        meter.CreateObservableGauge("forum.projection.events_behind", () => Active(p => p.EventsBehind), "{event}",
            "Events an async projection has not handled yet (counted up to a bound)");
    }

    protected override Task<IReadOnlyList<ProjectionStatus>> ReadAsync(CancellationToken ct) => daemon.StatusAsync(ct);

    private IEnumerable<Measurement<TValue>> Active<TValue>(Func<ProjectionStatus, TValue> value)
        where TValue : struct =>
        (Last ?? []).Where(p => p.Active).Select(p => new Measurement<TValue>(value(p), new KeyValuePair<string, object?>("projection", p.Name)));
}

/// <summary>
/// Reads every <see cref="IDatabaseGauges"/> before a scrape: all at once, within a bound, and once for the scrapes
/// that arrive while a read is under way.
/// </summary>
public sealed class ScrapeTimeReads(IEnumerable<IDatabaseGauges> sources)
{
    /// <summary>Well under Prometheus' default scrape timeout (10 s): a slow database costs the gauges, not the scrape.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    private readonly IDatabaseGauges[] all = sources.ToArray();
    private readonly Lock gate = new();
    private Task? reading;

    public Task RefreshAsync()
    {
        lock (gate)
        {
            if (reading is null || reading.IsCompleted)
            {
                reading = ReadAllAsync();
            }

            return reading;
        }
    }

    private async Task ReadAllAsync()
    {
        using var bound = new CancellationTokenSource(Bound);
        await Task.WhenAll(all.Select(s => s.RefreshAsync(bound.Token)));
    }
}

public static class MetricsEndpoints
{
    /// <summary>
    /// GET /metrics for Prometheus, written by OpenTelemetry's exporter; the database gauges are read just before.
    /// Labels are route templates and status codes, never addresses, so no token or id reaches it; still, a
    /// deployment serves it to its scraper only (the nginx configuration does not pass it on).
    /// </summary>
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        var reads = app.ServiceProvider.GetRequiredService<ScrapeTimeReads>();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: pipeline => pipeline.Use(async (context, next) =>
        {
            await reads.RefreshAsync();
            await next(context);
        }), optionsName: null)
            // GET only, as before (the exporter maps a path for every method).
            .WithMetadata(new HttpMethodMetadata(["GET"]))
            .AllowAnonymous();
        return app;
    }
}
