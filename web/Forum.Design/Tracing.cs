using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Forum.Design;

/// <summary>
/// Traces of a web app's requests and of its calls to the API (HttpClient sends W3C traceparent, so the API's spans
/// join the page's trace), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Tracing:Enabled turns them on
/// without OTLP, for a host that attaches its own exporter (the tests).
/// </summary>
public static class Tracing
{
    public static IServiceCollection AddForumTracing(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!otlp && !configuration.GetValue<bool>("Tracing:Enabled"))
        {
            return services;
        }

        services.AddOpenTelemetry().ConfigureResource(r => r.AddService(serviceName)).WithTracing(tracing =>
        {
            // The stylesheet, scripts and probes would be most of the traces, and say nothing.
            tracing.AddAspNetCoreInstrumentation(o => o.Filter = http =>
                    !http.Request.Path.StartsWithSegments("/static") && !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation();
            if (otlp)
            {
                tracing.AddOtlpExporter();
            }
        });
        return services;
    }
}
