using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Benchmarks;

/// <summary>
/// The real API on Kestrel on a free loopback port, in its own schema, with keys of its own; optionally with one
/// extra route that answers recorded bytes from memory (the read benchmarks' baseline).
/// </summary>
// Any type of the API assembly names its entry point; "Program" would be this program's own.
internal sealed class BenchApi : WebApplicationFactory<ConferenceService>
{
    private readonly string connectionString;
    private readonly string schema;
    private readonly IReadOnlyDictionary<string, byte[]> memory;

    private readonly IReadOnlyDictionary<string, string> settings;

    private readonly byte[]? appendAnswer;

    /// <param name="appendAnswer">When given, POST /bench/append appends one event per request (see <see cref="AppendRoute"/>) and answers these bytes.</param>
    public BenchApi(string connectionString, string schema, IReadOnlyDictionary<string, byte[]>? memory = null, IReadOnlyDictionary<string, string>? settings = null, byte[]? appendAnswer = null)
    {
        this.appendAnswer = appendAnswer;
        this.settings = settings ?? new Dictionary<string, string>();
        this.connectionString = connectionString;
        this.schema = schema;
        this.memory = memory ?? new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Port = FreePort();
        UseKestrel(Port);
    }

    public int Port { get; }

    /// <summary>The HS256 key staff tokens are checked with (for <c>StaffTokenHandler.Issue</c>).</summary>
    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The factory looks for the API's folder beside the solution by assembly name; it lives in api/.
        builder.UseContentRoot(ApiFolder());
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Forum", connectionString);
        builder.UseSetting("EventStore:Schema", schema);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        builder.UseSetting("PersonalData:MasterKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IStartupFilter>(new MemoryRoutes(memory));
            if (appendAnswer is not null)
            {
                services.AddSingleton<IEventSourcedFeature, AppendRoute>();
                services.AddSingleton<IStartupFilter>(new AppendRoute(appendAnswer));
            }
        });
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ApiFolder() => Path.Combine(RepositoryRoot(), "api", "Forum.Api");

    /// <summary>The folder of Forum.sln, above the benchmark binaries.</summary>
    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forum.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Forum.sln not found above the benchmark binaries.");
    }

    /// <summary>A scan's body as the baseline endpoint reads it.</summary>
    private sealed record BenchScan(string? Code, string? ScanId, string? Gate);

    /// <summary>What the baseline endpoint appends: about the size of a check-in event.</summary>
    private sealed record BenchScanReceived(string Code, string ScanId, string? Gate, DateTimeOffset ReceivedAt);

    /// <summary>
    /// The check-in benchmark's baseline: POST /bench/append reads the scan's JSON and appends one event to a new stream
    /// through the API's own store, where the API's pipeline starts; the same HTTP and append work as a check-in, without
    /// its authentication, signature check, batching and documents.
    /// </summary>
    private sealed class AppendRoute(byte[] answer) : IStartupFilter, IEventSourcedFeature
    {
        public AppendRoute()
            : this([])
        {
        }

        public void RegisterEvents(EventTypeRegistry registry) => registry.Register<BenchScanReceived>("bench.scan-received");

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var store = app.ApplicationServices.GetRequiredService<Forum.EventStore.EventStore>();
            app.Use(async (context, following) =>
            {
                if (context.Request.Path.Value != "/bench/append" || !HttpMethods.IsPost(context.Request.Method))
                {
                    await following(context);
                    return;
                }

                var scan = await context.Request.ReadFromJsonAsync<BenchScan>(context.RequestAborted);
                var received = new BenchScanReceived(scan?.Code ?? "", scan?.ScanId ?? "", scan?.Gate, TimeProvider.System.GetUtcNow());
                await store.AppendAsync($"bench-scan-{Guid.CreateVersion7()}", "bench-scan", ExpectedVersion.NoStream, [received], EventMetadata.For("system:bench"), context.RequestAborted);
                context.Response.ContentType = "application/json; charset=utf-8";
                context.Response.ContentLength = answer.Length;
                await context.Response.Body.WriteAsync(answer, context.RequestAborted);
            });
            next(app);
        };
    }

    /// <summary>Placed where the API's own pipeline starts, so both sides pay the same server, connection and HTTP costs.</summary>
    private sealed class MemoryRoutes(IReadOnlyDictionary<string, byte[]> memory) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                var path = context.Request.Path.Value ?? "";
                if (path.StartsWith("/bench/memory/", StringComparison.Ordinal) && memory.TryGetValue(path["/bench/memory".Length..], out var bytes))
                {
                    context.Response.ContentType = path.EndsWith(".xml", StringComparison.Ordinal) ? "application/xml; charset=utf-8" : "application/json; charset=utf-8";
                    context.Response.ContentLength = bytes.Length;
                    await context.Response.Body.WriteAsync(bytes);
                    return;
                }

                await following(context);
            });
            next(app);
        };
    }
}
