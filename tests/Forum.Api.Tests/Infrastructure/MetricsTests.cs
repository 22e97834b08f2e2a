using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>
/// GET /metrics read as Prometheus reads it. Several API hosts run in this test process and .NET's meters are the
/// process's, so request and append counts are compared before and after, never taken as exact.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class MetricsTests(ApiFixture api, LocalSendGrid sendGrid) : IClassFixture<LocalSendGrid>
{
    // Each sample names the meter it comes from in otel_scope_name (OpenTelemetry's exporter adds it).
    private const string Waiting = "forum_mail_outbox_waiting{otel_scope_name=\"Forum.Api\"}";
    private const string Dead = "forum_mail_outbox_dead{otel_scope_name=\"Forum.Api\"}";
    private const string Appended = "forum_eventstore_events_appended_total{otel_scope_name=\"Forum.EventStore\"}";

    [Fact]
    public async Task Metrics_count_requests_by_route_appended_events_projection_lag_and_the_outbox_in_Prometheus_text_format()
    {
        var before = await ScrapeAsync();
        var organiser = api.Organiser();
        var slug = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        (await organiser.PostAsJsonAsync("/api/conferences", new
        {
            slug, title = "Metrics", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2031-12-05", lastDay = "2031-12-05", languages = new[] { "en" }, capacity = 10, delegationQuota = 2,
        })).EnsureSuccessStatusCode();
        (await organiser.PostAsync($"/api/conferences/{slug}/publish", null)).EnsureSuccessStatusCode();
        for (var i = 0; i < 3; i++)
        {
            await api.Anonymous().GetAsync($"/api/conferences/{slug}");
        }

        // Two mails waiting, then one of them refused by SendGrid for good: dead.
        var (mailSlug, _, _) = await MailTestKit.EnqueueAsync(api, 1, "not an address {0}");
        var waiting = await ScrapeAsync();
        Assert.True(waiting.Value(Waiting) >= before.Value(Waiting) + 1, $"{Waiting}: {before.Value(Waiting)} then {waiting.Value(Waiting)}\n{waiting.Text}");
        await using var dispatcher = new MailDispatcher(
            api.Services.GetRequiredService<MailOutbox>(), sendGrid.Client(LocalSendGrid.ApiKey), api.Services.GetRequiredService<SendGridWebhook>(),
            api.Services.GetRequiredService<PersonalDataVault>(), TimeProvider.System, NullLogger<MailDispatcher>.Instance);
        var deadline = Stopwatch.StartNew();
        while (await dispatcher.DispatchAsync(10, CancellationToken.None, mailSlug) > 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the outbox did not drain");
        }

        var after = await ScrapeAsync();
        Assert.Equal(before.Value(Dead) + 1, after.Value(Dead));

        // Requests by route template (never by address, so no id or token is a label), method and status.
        const string Route = "http_server_request_duration_seconds_count{otel_scope_name=\"Microsoft.AspNetCore.Hosting\",http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"/api/conferences/{slug}\",network_protocol_version=\"1.1\",url_scheme=\"http\"}";
        Assert.True(after.Value(Route) >= before.Value(Route) + 3, $"{Route}: {before.Value(Route)} then {after.Value(Route)}");
        Assert.DoesNotContain(slug, after.Text, StringComparison.Ordinal);
        Assert.True(after.Value(Appended) >= before.Value(Appended) + 1);
        Assert.True(after.Value("forum_projection_lag_seconds{otel_scope_name=\"Forum.Api\",projection=\"mail\"}") >= 0);
        Assert.Contains("forum_projection_events_behind{otel_scope_name=\"Forum.Api\",projection=\"mail\"}", after.Samples.Keys);

        // OpenTelemetry's exporter names the process in target_info (one series, value 1), not on every sample.
        var target = Assert.Single(after.Samples, s => s.Key.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains("service_name=\"forum-api\"", target.Key, StringComparison.Ordinal);
        Assert.Equal(1, target.Value);

        // A histogram's buckets are cumulative and end at +Inf with its count.
        var buckets = after.Samples.Where(s => s.Key.StartsWith(Route.Replace("_count{", "_bucket{", StringComparison.Ordinal)[..^1], StringComparison.Ordinal)).Select(s => s.Value).ToList();
        Assert.Equal(15, buckets.Count);
        Assert.Equal(buckets.Order(), buckets);
        Assert.Equal(after.Value(Route), buckets[^1]);
    }

    [Fact]
    public async Task Another_API_host_in_the_same_process_does_not_show_in_this_host_s_metrics()
    {
        // Both hosts have a meter named after ASP.NET Core's hosting, and a provider listens to meters by name.
        const string Route = "http_server_request_duration_seconds_count{otel_scope_name=\"Microsoft.AspNetCore.Hosting\",http_request_method=\"GET\",http_response_status_code=\"404\",http_route=\"/api/conferences/{slug}\",network_protocol_version=\"1.1\",url_scheme=\"http\"}";
        await using var other = new ApiFixture();
        using var otherClient = other.Anonymous();
        await api.Anonymous().GetAsync("/api/conferences/" + ApiFixture.NewSlug("absent"));
        var before = await ScrapeAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await otherClient.GetAsync("/api/conferences/" + ApiFixture.NewSlug("absent"))).StatusCode);
        }

        // Read strictly: one sample per series, and none of the other host's requests.
        var after = await ScrapeAsync();
        Assert.Equal(before.Value(Route), after.Value(Route));
        Assert.True(before.Value(Route) >= 1, $"{Route} missing:\n{before.Text}");
    }

    [Fact]
    public async Task Metrics_answer_GET_only()
    {
        using var post = await api.Anonymous().PostAsync("/metrics", null);
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task A_database_gauge_reports_nothing_rather_than_failing_when_its_read_fails_and_its_figure_once_it_reads()
    {
        // A meter factory of the test's own, so that the API host's exporter never sees these instruments.
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var store = api.Services.GetRequiredService<EventStore.EventStore>();
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=forum;Password=none;Timeout=2");
        var down = new MailMetrics(new MailOutbox(unreachable, store), meters, NullLogger<MailMetrics>.Instance);
        await down.RefreshAsync(CancellationToken.None);
        Assert.Empty(Observe(meters));

        var up = new MailMetrics(api.Services.GetRequiredService<MailOutbox>(), meters, NullLogger<MailMetrics>.Instance);
        await up.RefreshAsync(CancellationToken.None);
        Assert.Equal(["forum.mail.outbox.dead", "forum.mail.outbox.waiting"], Observe(meters).Select(m => m.Name).Order());
    }

    /// <summary>What the observable instruments of <paramref name="meters"/> report, as an exporter's collection asks them.</summary>
    private static List<(string Name, long Value)> Observe(IMeterFactory meters)
    {
        var seen = new List<(string, long)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen.Add((instrument.Name, value)));
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    private async Task<Exposition> ScrapeAsync()
    {
        using var response = await api.Anonymous().GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return Exposition.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The text format, read strictly: every line a comment of HELP or TYPE (once per family, before its samples) or a sample.</summary>
    private sealed partial record Exposition(string Text, Dictionary<string, double> Samples)
    {
        public double Value(string sample) => Samples.TryGetValue(sample, out var value) ? value : 0;

        public static Exposition Parse(string text)
        {
            var samples = new Dictionary<string, double>(StringComparer.Ordinal);
            var typed = new Dictionary<string, string>(StringComparer.Ordinal);
            var helped = new HashSet<string>(StringComparer.Ordinal);
            Assert.EndsWith("\n", text, StringComparison.Ordinal);
            foreach (var line in text[..^1].Split('\n'))
            {
                if (HelpLine().Match(line) is { Success: true } help)
                {
                    Assert.True(helped.Add(help.Groups[1].Value), $"a second HELP for {help.Groups[1].Value}");
                    continue;
                }

                if (TypeLine().Match(line) is { Success: true } type)
                {
                    Assert.True(typed.TryAdd(type.Groups[1].Value, type.Groups[2].Value), $"a second TYPE for {type.Groups[1].Value}");
                    continue;
                }

                var sample = SampleLine().Match(line);
                Assert.True(sample.Success, $"not a sample: {line}");
                var name = sample.Groups[1].Value;
                Assert.Contains(typed.Keys, family => name == family || (name.StartsWith(family, StringComparison.Ordinal) && name[family.Length..] is "_total" or "_bucket" or "_sum" or "_count"));
                // Several API hosts run in this test process, each with meters of the same names: each host writes its own.
                Assert.True(samples.TryAdd(name + sample.Groups[2].Value, double.Parse(sample.Groups[3].Value, CultureInfo.InvariantCulture)), $"a second sample {line}");
            }

            return new Exposition(text, samples);
        }

        [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$")]
        private static partial Regex HelpLine();

        [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$")]
        private static partial Regex TypeLine();

        [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)((?:\{[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*""(?:,[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"")*\})?) (-?[0-9.eE+-]+|\+Inf|NaN)$")]
        private static partial Regex SampleLine();
    }
}
