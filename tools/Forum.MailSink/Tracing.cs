using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Forum.MailSink;

/// <summary>
/// Traces of the sends it receives (joining the API's mail dispatch through traceparent) and of the events it posts to
/// the webhook, exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; Tracing:Enabled without OTLP (the tests).
/// </summary>
public static class Tracing
{
    public static void AddTracing(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!otlp && !configuration.GetValue<bool>("Tracing:Enabled"))
        {
            return;
        }

        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("forum-mailsink")).WithTracing(tracing =>
        {
            tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
            if (otlp)
            {
                tracing.AddOtlpExporter();
            }
        });
    }
}
