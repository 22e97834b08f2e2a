extern alias mailsink;

using System.Diagnostics;
using Forum.Api.Tests.Infrastructure;
using Forum.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using MailSinkHost = mailsink::Forum.MailSink.MailSinkHost;

namespace Forum.Api.Tests.Notifications;

/// <summary>
/// The mail dispatcher's send, followed from the API into the local SendGrid: the API's SendGrid client (its own
/// HttpClient from the factory) sends traceparent, and the local SendGrid's request continues that trace. Both run in
/// this process with tracing on and each its own in-memory exporter.
/// </summary>
public sealed class MailTracingTests
{
    [Fact]
    public async Task A_mail_the_dispatcher_sends_continues_its_trace_in_the_local_SendGrid_and_Quartzs_jobs_are_traced()
    {
        var apiSpans = new SpanList();
        var sinkSpans = new SpanList();
        await using var sink = MailSinkHost.Build(["--urls=http://127.0.0.1:0", $"--MailSink:ApiKeys={LocalSendGrid.ApiKey}", "--Logging:LogLevel:Default=Warning", "--Tracing:Enabled=true"],
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(sinkSpans)));
        await sink.StartAsync();
        await using var api = new TracedApi(sink.Urls.Single(), apiSpans);
        api.StartServer();

        await MailTestKit.EnqueueAsync(api, 1);

        // This sink's request: a tracer sees its sources in the whole process, so other tests' sinks show here too.
        var port = new Uri(sink.Urls.Single()).Port;
        var received = await WaitForAsync(sinkSpans, s => s.Kind == ActivityKind.Server && s.GetTagItem("url.path") as string == "/v3/mail/send"
            && Convert.ToInt32(s.GetTagItem("server.port"), System.Globalization.CultureInfo.InvariantCulture) == port);
        var sent = await WaitForAsync(apiSpans, s => s.SpanId == received.ParentSpanId);
        Assert.Equal(ActivityKind.Client, sent.Kind);
        Assert.Equal("POST", sent.GetTagItem("http.request.method"));
        Assert.Equal(sink.Urls.Single().TrimEnd('/') + "/v3/mail/send", sent.GetTagItem("url.full"));

        // mail-dispatch fires every second: Quartz's own ActivitySource is exported.
        await WaitForAsync(apiSpans, s => s.Source.Name == "Quartz");
    }

    private static async Task<Activity> WaitForAsync(SpanList spans, Func<Activity, bool> match)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (spans.Snapshot().FirstOrDefault(match) is { } span)
            {
                return span;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "the span was not exported within 15 s");
            await Task.Delay(20);
        }
    }

    /// <summary>The API with a SendGrid key and address (so its own dispatcher sends), tracing on, into <paramref name="spans"/>.</summary>
    private sealed class TracedApi(string sendGridUrl, SpanList spans) : ApiFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("SendGrid:ApiKey", LocalSendGrid.ApiKey);
            builder.UseSetting("SendGrid:BaseUrl", sendGridUrl);
            builder.UseSetting("Tracing:Enabled", "true");
            builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        }
    }
}
