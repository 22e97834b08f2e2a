using Forum.EventStore.Projections;
using Npgsql;

namespace Forum.Api.Infrastructure;

public sealed record HealthReport(string Status, string Database, IReadOnlyList<ProjectionHealth> Projections, IReadOnlyDictionary<string, string>? Degraded = null);

/// <summary>A part of the process that can be degraded while the process serves (mail sending refused, say).</summary>
public interface IHealthSignal
{
    string Component { get; }

    /// <summary>Why the component is degraded, or null when it works.</summary>
    string? Degraded { get; }
}

/// <param name="Leading">Whether this process runs the projection (one process does, elected through the database).</param>
public sealed record ProjectionHealth(string Name, int Generation, bool Active, long EventsBehind, double LagSeconds, bool Leading);

public sealed record ReadyReport(string Status, string? Reason);

public static class HealthEndpoints
{
    /// <summary>The tag of the routes for operators (health, metrics): they refuse nothing, so they declare no 4xx answer.</summary>
    public const string OperationsTag = "For operators and orchestrators: liveness, readiness and health, and the Prometheus metrics. They refuse nothing: a failing dependency answers 503.";

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", async Task<Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<HealthReport>> (NpgsqlDataSource db, ProjectionDaemon daemon, IEnumerable<IHealthSignal> signals, CancellationToken ct) =>
        {
            try
            {
                await using var cmd = db.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(ct);
                var projections = (await daemon.StatusAsync(ct))
                    .Select(p => new ProjectionHealth(p.Name, p.Generation, p.Active, p.EventsBehind, Math.Round(p.Lag.TotalSeconds, 3), daemon.IsLeading(p.Name)))
                    .ToList();
                // Far behind still serves (reads are stale, not wrong), so it is "degraded", not down.
                var degraded = signals.Where(x => x.Degraded is not null).ToDictionary(x => x.Component, x => x.Degraded!);
                var status = projections.Any(p => p.LagSeconds > 60) || degraded.Count > 0 ? "degraded" : "healthy";
                return TypedResults.Json(new HealthReport(status, "ok", projections, degraded.Count > 0 ? degraded : null));
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return TypedResults.Json(new HealthReport("unhealthy", "unreachable", []), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        })
        .WithName("health").WithTag("Operations", OperationsTag)
        .WithSummary("Liveness and readiness: database reachable, projection lag, degraded parts (mail sending refused)")
        .AllowAnonymous();

        // For orchestrators and load balancers: live says the process answers; ready says it should get traffic.
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }))
            .WithSummary("The process answers (no dependency checked): restart it only when this fails").AllowAnonymous()
            .WithName("healthLive").WithTags("Operations");
        app.MapGet("/health/ready", Ready)
            .WithSummary("Ready for traffic: database reachable, migrations done, every projection caught up within Health:ReadyLag (10 s); 503 otherwise").AllowAnonymous()
            .WithName("healthReady").WithTags("Operations");
        return app;
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ReadyReport>> Ready(
        NpgsqlDataSource db, ProjectionDaemon daemon, IConfiguration configuration, CancellationToken ct)
    {
        var bound = configuration.GetValue<TimeSpan?>("Health:ReadyLag") ?? TimeSpan.FromSeconds(10);
        try
        {
            // Requests reach this process only after its start-up migrations finished (Program.cs runs them before listening).
            var behind = (await daemon.StatusAsync(ct)).Where(p => p.Active && p.Lag > bound).Select(p => p.Name).ToList();
            return behind.Count == 0
                ? TypedResults.Json(new ReadyReport("ready", null))
                : TypedResults.Json(new ReadyReport("not ready", $"projections behind by more than {bound.TotalSeconds} s: {string.Join(", ", behind)}"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return TypedResults.Json(new ReadyReport("not ready", "the database is unreachable"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
