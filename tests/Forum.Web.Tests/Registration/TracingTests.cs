using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Forum.Api.Infrastructure;
using Forum.Tests.Shared;
using Forum.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using static Forum.Web.Tests.Registration.RegistrationForms;

namespace Forum.Web.Tests.Registration;

/// <summary>
/// One registration through the web client, followed in the traces: the web client's request, its call to the API, the
/// API's request and its SQL, in one trace. The API and the web client run in this process with tracing on and each
/// its own in-memory exporter. A host's tracer listens to its sources by name, so it also sees the other host's
/// spans: what each host exported is checked for what only that host's set-up produces (the web client's outgoing
/// call, the API's SQL).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class TracingTests(WebFixture web)
{
    [Fact]
    public async Task A_registration_through_the_web_client_is_one_trace_through_the_web_client_the_APIs_request_and_its_SQL()
    {
        var apiSpans = new SpanList();
        var webSpans = new SpanList();
        await using var api = new ApiServer(configure: Traced(apiSpans));
        api.StartServer();
        await using var client = new WebServer(api.Address, configure: Traced(webSpans));
        client.Start();
        var slug = await ConferenceAsync(api);

        await using var context = await web.Browser.NewContextAsync(new() { BaseURL = client.Address.ToString() });
        var page = await context.NewPageAsync();
        await OpenAsync(page, slug);
        await FillAsync(page, "DE", new Person("Anna Schmidt", "", "", "anna.schmidt@example.org"), [new Person("Marco Buschmann", "Minister of Justice", "Minister", "minister@example.de")]);
        await SubmitAndReadAccessLinkAsync(page);

        // The web client's call to the API, and the web client's request it was made in (which ends last).
        var registerPath = $"/api/conferences/{slug}/delegations";
        var call = await WaitForAsync(webSpans, s => s.Kind == ActivityKind.Client && s.OperationName == "System.Net.Http.HttpRequestOut"
            && Tag(s, "http.request.method") == "POST" && Tag(s, "url.full")?.EndsWith(registerPath, StringComparison.Ordinal) == true);
        var request = await WaitForAsync(webSpans, s => s.SpanId == call.ParentSpanId);
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal("POST", Tag(request, "http.request.method"));
        Assert.Equal($"/conferences/{slug}/register", Tag(request, "url.path"));
        Assert.Equal(default, request.ParentSpanId);

        // The API's request continues the web client's call (traceparent), and its SQL runs inside it.
        var served = await WaitForAsync(apiSpans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
        Assert.Equal("/api/conferences/{slug}/delegations", Tag(served, "http.route"));
        Assert.Equal("201", Tag(served, "http.response.status_code"));
        var sql = apiSpans.Snapshot().Where(s => s.Source.Name == "Npgsql" && s.TraceId == call.TraceId).ToList();
        Assert.Contains(sql, s => s.ParentSpanId == served.SpanId);
        Assert.Contains(sql, s => Tag(s, "db.query.text")?.Contains("INSERT INTO", StringComparison.Ordinal) == true);

        // One tree: every span of the trace has its parent among them, but the web client's request.
        var trace = webSpans.Snapshot().Concat(apiSpans.Snapshot()).Where(s => s.TraceId == call.TraceId).DistinctBy(s => s.SpanId).ToList();
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        Assert.All(trace.Where(s => s != request && s.SpanId != request.SpanId), s => Assert.Contains(s.ParentSpanId, ids));
    }

    /// <summary>Tracing on, without OTLP, into <paramref name="spans"/>.</summary>
    private static Action<IWebHostBuilder> Traced(SpanList spans) => builder =>
    {
        builder.UseSetting("Tracing:Enabled", "true");
        builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
    };

    private static async Task<string> ConferenceAsync(ApiServer api)
    {
        using var organiser = new HttpClient { BaseAddress = api.Address };
        organiser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            StaffTokenHandler.Issue(api.SigningKey, "test-organiser", Roles.Organiser, DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));
        var slug = "traced-" + Guid.NewGuid().ToString("N")[..10];
        (await organiser.PostAsJsonAsync("api/conferences", new
        {
            slug, title = "Traced conference", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2030-06-03", lastDay = "2030-06-04", languages = new[] { "en" }, capacity = 100, delegationQuota = 3,
        })).EnsureSuccessStatusCode();
        (await organiser.PostAsync($"api/conferences/{slug}/publish", null)).EnsureSuccessStatusCode();
        (await organiser.PostAsync($"api/conferences/{slug}/registration/open", null)).EnsureSuccessStatusCode();
        return slug;
    }

    /// <summary>A span is exported when it ends, which may be just after the browser has its answer.</summary>
    private static async Task<Activity> WaitForAsync(SpanList spans, Func<Activity, bool> match)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (spans.Snapshot().FirstOrDefault(match) is { } span)
            {
                return span;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the span was not exported within 10 s");
            await Task.Delay(20);
        }
    }

    private static string? Tag(Activity span, string name) => span.GetTagItem(name)?.ToString();
}
