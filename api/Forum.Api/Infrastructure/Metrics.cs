using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Infrastructure;

/// <summary>One gauge value read when Prometheus scrapes (a count in the database, say): name, help, labels, value.</summary>
public sealed record ScrapedGauge(string Name, string Help, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value);

/// <summary>Gauges a feature reads at scrape time, where reading needs the database (System.Diagnostics.Metrics' observable gauges are synchronous).</summary>
public interface IScrapedMetrics
{
    Task<IReadOnlyList<ScrapedGauge>> ReadAsync(CancellationToken ct);
}

/// <summary>
/// Prometheus' text exposition format (0.0.4) over .NET's own meters: OpenTelemetry's exporter and prometheus-net are
/// not on this machine's feed, and the format is small. It listens to ASP.NET Core's hosting meter (request durations
/// by route, method and status) and the Forum meters (events appended, mails sent), and adds at each scrape the
/// projections' lag and the features' scraped gauges. Each process exposes its own figures: Prometheus scrapes every
/// process and sums.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    /// <summary>ASP.NET Core's default buckets for request durations, in seconds.</summary>
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), Series> series = new();
    private readonly ConcurrentDictionary<string, Instrument> families = new(StringComparer.Ordinal);

    public PrometheusMetrics(IMeterFactory meters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            // ASP.NET Core's meters come from this host's factory (another host in the process has its own); the
            // store's are static, one per process.
            var ours = instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meters);
            if (ours && (instrument.Meter.Name.StartsWith("Forum", StringComparison.Ordinal)
                || (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration")))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
    }

    public void Dispose() => listener.Dispose();

    public async Task<string> ScrapeAsync(ProjectionDaemon daemon, IEnumerable<IScrapedMetrics> sources, CancellationToken ct)
    {
        var text = new StringBuilder();
        foreach (var family in series.GroupBy(s => s.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            WriteFamily(text, families[family.Key], family.OrderBy(s => s.Key.Labels, StringComparer.Ordinal).Select(s => (s.Key.Labels, s.Value)));
        }

        var gauges = new List<ScrapedGauge>();
        foreach (var p in await daemon.StatusAsync(ct))
        {
            if (p.Active)
            {
                KeyValuePair<string, string>[] labels = [new("projection", p.Name)];
                gauges.Add(new ScrapedGauge("forum_projection_lag_seconds", "Age of the oldest event an async projection has not handled yet", labels, p.Lag.TotalSeconds));
                gauges.Add(new ScrapedGauge("forum_projection_events_behind", "Events an async projection has not handled yet (counted up to a bound)", labels, p.EventsBehind));
            }
        }

        foreach (var source in sources)
        {
            gauges.AddRange(await source.ReadAsync(ct));
        }

        foreach (var family in gauges.GroupBy(g => g.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("# HELP ").Append(family.Key).Append(' ').Append(family.First().Help).Append('\n');
            text.Append("# TYPE ").Append(family.Key).Append(" gauge\n");
            foreach (var gauge in family)
            {
                text.Append(family.Key).Append(Labels(gauge.Labels)).Append(' ').Append(Number(gauge.Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var (key, tag) in tags)
        {
            labels.Add(new(LabelName(key), Convert.ToString(tag, CultureInfo.InvariantCulture) ?? ""));
        }

        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var name = MetricName(instrument);
        families.TryAdd(name, instrument);
        var entry = series.GetOrAdd((name, Labels(labels)), _ => new Series(instrument is Histogram<T> ? Buckets.Length : 0));
        entry.Add(Convert.ToDouble(value, CultureInfo.InvariantCulture));
    }

    private static void WriteFamily(StringBuilder text, Instrument instrument, IEnumerable<(string Labels, Series Value)> all)
    {
        var name = MetricName(instrument);
        var histogram = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>);
        var type = histogram ? "histogram" : instrument.GetType().Name.StartsWith("UpDownCounter", StringComparison.Ordinal) ? "gauge" : "counter";
        var sample = type == "counter" ? name + "_total" : name;
        text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description ?? instrument.Name).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value) in all)
        {
            var (count, sum, buckets) = value.Read();
            if (!histogram)
            {
                text.Append(sample).Append(labels).Append(' ').Append(Number(sum)).Append('\n');
                continue;
            }

            for (var i = 0; i <= Buckets.Length; i++)
            {
                var le = i < Buckets.Length ? Number(Buckets[i]) : "+Inf";
                var cumulative = i < Buckets.Length ? buckets[i] : count;
                text.Append(name).Append("_bucket").Append(WithLabel(labels, "le", le)).Append(' ').Append(Number(cumulative)).Append('\n');
            }

            text.Append(name).Append("_sum").Append(labels).Append(' ').Append(Number(sum)).Append('\n');
            text.Append(name).Append("_count").Append(labels).Append(' ').Append(Number(count)).Append('\n');
        }
    }

    /// <summary>http.server.request.duration in s → http_server_request_duration_seconds, as Prometheus names things.</summary>
    private static string MetricName(Instrument instrument)
    {
        var name = LabelName(instrument.Name);
        return instrument.Unit switch
        {
            "s" => name + "_seconds",
            "By" => name + "_bytes",
            _ => name,
        };
    }

    private static string LabelName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        return char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }

    private static string Labels(IReadOnlyList<KeyValuePair<string, string>> labels) =>
        labels.Count == 0 ? "" : "{" + string.Join(',', labels.Select(l => $"{l.Key}=\"{Escape(l.Value)}\"")) + "}";

    private static string WithLabel(string labels, string name, string value) =>
        labels.Length == 0 ? $"{{{name}=\"{value}\"}}" : labels[..^1] + $",{name}=\"{value}\"}}";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A counter's sum, or a histogram's count, sum and cumulative buckets.</summary>
    private sealed class Series(int buckets)
    {
        private readonly long[] counts = new long[buckets];
        private long count;
        private double sum;

        public void Add(double value)
        {
            lock (counts)
            {
                count++;
                sum += value;
                for (var i = 0; i < counts.Length; i++)
                {
                    if (value <= Buckets[i])
                    {
                        counts[i]++;
                    }
                }
            }
        }

        public (long Count, double Sum, long[] Buckets) Read()
        {
            lock (counts)
            {
                return (count, sum, (long[])counts.Clone());
            }
        }
    }
}

public static class MetricsEndpoints
{
    /// <summary>
    /// GET /metrics for Prometheus. Labels are route templates and status codes, never addresses, so no token or id
    /// reaches it; still, a deployment serves it to its scraper only (the nginx configuration does not pass it on).
    /// </summary>
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (PrometheusMetrics metrics, ProjectionDaemon daemon, IEnumerable<IScrapedMetrics> sources, CancellationToken ct) =>
            TypedResults.Text(await metrics.ScrapeAsync(daemon, sources, ct), "text/plain; version=0.0.4; charset=utf-8"))
            .WithSummary("Metrics in Prometheus' text format: request durations, events appended, projection lag, outbox depth, dead mails")
            .AllowAnonymous().WithName("metrics").WithTags("Operations");
        return app;
    }
}
