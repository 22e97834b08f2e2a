using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Forum.Benchmarks;

/// <summary>
/// What tracing costs the API: the same API, on the same schema, as two processes, one with OTEL_EXPORTER_OTLP_ENDPOINT
/// set (requests, HttpClient, SQL and Quartz's jobs traced, exported over OTLP/HTTP with the SDK's default batching to a
/// receiver in this process that answers at once) and one without, alternating rounds, 16 clients. Processes, not
/// hosts in this one: a tracer listens to its sources by name in its whole process, so it would trace the other host too.
/// </summary>
internal static class TracingBenchmark
{
    public const string Feed = "GET the demo conference's public feed with tracing on (OTLP), 16 clients";
    public const string Register = "register a delegation (1 member) with tracing on (OTLP), 16 clients";
    public const string BaselineName = "the same API process without tracing";
    private const int Clients = 16;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var schema = await ctx.NewSchemaAsync("tracing");
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var environment = ApiProcess.Settings(connectionString, schema, signingKey);

        // The untraced process seeds the demo; the traced one starts on the seeded schema.
        await using var untraced = ApiProcess.Start("api-untraced", new Dictionary<string, string>(environment) { ["Demo__Seed"] = "true" });
        await untraced.WaitReadyAsync(TimeSpan.FromMinutes(3));
        await using var traced = ApiProcess.Start("api-traced", new Dictionary<string, string>(environment)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        await traced.WaitReadyAsync(TimeSpan.FromMinutes(3));
        using var toUntraced = Client(untraced.BaseAddress);
        using var toTraced = Client(traced.BaseAddress);

        const string feed = "/calendars/global-alliance-2012.ics";
        var demo = await FeedAsync(toUntraced, feed);
        var organiser = StaffTokenHandler.Issue(signingKey, "bench", Roles.Organiser, DateTimeOffset.UtcNow, TimeSpan.FromHours(2));
        var slug = await OpenConferenceAsync(toUntraced, organiser);
        BenchContext.Log($"tracing: demo feed {demo:N0} bytes; conference {slug} open for registration; OTLP receiver at {receiver.Address}");

        var next = 0;
        Func<int, Task<int>> Registration(HttpClient http) => async _ =>
        {
            var n = Interlocked.Increment(ref next);
            var name = $"Traced NGO {n}";
            using var response = await http.PostAsJsonAsync($"/api/conferences/{slug}/delegations", new
            {
                party = new { kind = "NonGovernmentalOrganisation", name },
                focalPoint = new { name = $"Focal point of {name}", email = $"focal.{n}@example.org" },
                members = new[] { new { name = $"Head of {name}", function = "Director", rank = "HeadOfOrganisation", email = $"head.{n}@example.org", isHead = true } },
            });
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST a registration answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            return 1;
        };

        // Unmeasured: both processes' JIT tiers up and their pools fill, on both paths, before any round.
        foreach (var warmup in new[] { ReadBenchmarks.Get(toUntraced, feed, demo), ReadBenchmarks.Get(toTraced, feed, demo), Registration(toUntraced), Registration(toTraced) })
        {
            await Harness.RunAsync(Clients, TimeSpan.Zero, TimeSpan.FromSeconds(ctx.Options.Quick ? 1 : 5), warmup);
        }

        var figures = new List<Figure>
        {
            await AppendBenchmarks.CompareAsync(ctx, Feed, Clients, ReadBenchmarks.Get(toUntraced, feed, demo), ReadBenchmarks.Get(toTraced, feed, demo), "requests/s"),
            await AppendBenchmarks.CompareAsync(ctx, Register, Clients, Registration(toUntraced), Registration(toTraced), "requests/s"),
        };
        if (receiver.Requests == 0)
        {
            throw new InvalidOperationException("the traced API exported no spans: tracing was not on");
        }

        BenchContext.Log($"  OTLP receiver: {receiver.Requests:N0} exports, {receiver.Bytes / 1024.0 / 1024.0:N1} MB of spans");
        return figures;
    }

    private static HttpClient Client(Uri address) => new(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromMinutes(2),
    };

    /// <summary>The demo's feed once the projection daemon has rendered it (within two minutes): its length.</summary>
    private static async Task<int> FeedAsync(HttpClient http, string path)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var body = await http.GetByteArrayAsync(path);
            if (System.Text.Encoding.UTF8.GetString(body).Contains("BEGIN:VEVENT", StringComparison.Ordinal))
            {
                return body.Length;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"{path} was not rendered within two minutes");
            }

            await Task.Delay(200);
        }
    }

    private static async Task<string> OpenConferenceAsync(HttpClient http, string organiser)
    {
        var slug = "tracing-" + Guid.NewGuid().ToString("N")[..8];
        await SendAsync(http, organiser, "/api/conferences", new
        {
            slug, title = "Tracing benchmark", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2031-06-10", lastDay = "2031-06-12", languages = new[] { "en" }, capacity = 1_000_000, delegationQuota = 4,
        });
        await SendAsync(http, organiser, $"/api/conferences/{slug}/publish", null);
        await SendAsync(http, organiser, $"/api/conferences/{slug}/registration/open", null);
        return slug;
    }

    private static async Task SendAsync(HttpClient http, string token, string path, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>An OTLP/HTTP endpoint that takes every export and answers an empty success, as a collector would.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private long requests;
        private long bytes;

        private OtlpReceiver(WebApplication app) => this.app = app;

        public string Address => app.Urls.Single();

        public long Requests => Interlocked.Read(ref requests);

        public long Bytes => Interlocked.Read(ref bytes);

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/v1/traces", async (HttpContext http) =>
            {
                var buffer = new byte[16 * 1024];
                long read = 0;
                int n;
                while ((n = await http.Request.Body.ReadAsync(buffer)) > 0)
                {
                    read += n;
                }

                Interlocked.Increment(ref receiver.requests);
                Interlocked.Add(ref receiver.bytes, read);
                // An empty ExportTraceServiceResponse: everything accepted.
                return Results.Bytes([], "application/x-protobuf");
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
