using Forum.EventStore;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Forum.Api.Infrastructure;

/// <summary>
/// OpenTelemetry: the metrics /metrics serves (Prometheus' exporter), and traces of requests, outgoing HTTP calls
/// (SendGrid, the identity provider), SQL and Quartz's jobs, exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is
/// set. Tracing:Enabled turns traces on without OTLP, for a host that attaches its own exporter (the tests).
/// </summary>
public static class TelemetrySetup
{
    public const string ServiceName = "forum-api";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(ServiceName));
        otel.WithMetrics(metrics => metrics
            .AddMeter(EventStoreMetrics.MeterName, ForumMeter.Name, "Microsoft.AspNetCore.Hosting")
            // Only the request durations of ASP.NET Core's hosting meter, as /metrics has always served.
            .AddView("http.server.active_requests", MetricStreamConfiguration.Drop)
            // Every scrape collects afresh: the database gauges are read for it anyway.
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        // A provider listens to meters by name, process-wide: where several hosts share a process (the tests), it would
        // also write another host's meter of the same name, the same series twice. Meters made by another host's
        // factory are dropped; this host's, and the process's own (the event store's), are kept.
        services.ConfigureOpenTelemetryMeterProvider(DropOtherHostsMeters);
        services.AddSingleton<IDatabaseGauges, ProjectionGauges>();
        services.AddSingleton<ScrapeTimeReads>();

        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (otlp || configuration.GetValue<bool>("Tracing:Enabled"))
        {
            otel.WithTracing(tracing =>
            {
                tracing
                    // Scrapes and probes would be most of the traces, and say nothing.
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource("Quartz");
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
        }

        return services;
    }

    private static void DropOtherHostsMeters(IServiceProvider provider, MeterProviderBuilder builder)
    {
        var own = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        builder.AddView(instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, own) ? null : MetricStreamConfiguration.Drop);
    }

    /// <summary>
    /// SQL is traced inside a trace only (a request's, a job's): the projections' and Quartz's polls would otherwise
    /// make a trace of one statement every second or so, in every process.
    /// </summary>
    public static void TraceOnlyWithinATrace(this NpgsqlDataSourceBuilder builder) =>
        builder.ConfigureTracing(o => o
            .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
            .ConfigureBatchFilter(_ => System.Diagnostics.Activity.Current is not null));
}
