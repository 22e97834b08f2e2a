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

public sealed record ProjectionHealth(string Name, int Generation, bool Active, long EventsBehind, double LagSeconds);

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", async Task<Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<HealthReport>> (NpgsqlDataSource db, ProjectionDaemon daemon, IEnumerable<IHealthSignal> signals, CancellationToken ct) =>
        {
            try
            {
                await using var cmd = db.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(ct);
                var projections = (await daemon.StatusAsync(ct))
                    .Select(p => new ProjectionHealth(p.Name, p.Generation, p.Active, p.EventsBehind, Math.Round(p.Lag.TotalSeconds, 3)))
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
        .WithName("Health")
        .WithSummary("Liveness and readiness: database reachable, projection lag, degraded parts (mail sending refused)")
        .AllowAnonymous();
        return app;
    }
}
