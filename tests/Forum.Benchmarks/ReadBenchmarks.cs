using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Benchmarks;

/// <summary>
/// Public reads of a 3-day, 400-session, 12-room conference through the real API on Kestrel, beside the same
/// server answering the same bytes from memory: the ratio says what reading the stored agenda costs.
/// </summary>
internal static class ReadBenchmarks
{
    public const string AgendaJson = "GET agenda JSON (3 days, 400 sessions, 12 rooms), 16 clients";
    public const string ScheduleXml = "GET frab schedule.xml (3 days, 400 sessions, 12 rooms), 16 clients";
    private const int Clients = 16;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var schema = await ctx.NewSchemaAsync("api");
        var port = FreePort();
        var memory = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var api = new BenchApi(connectionString, schema, port, memory);
        api.StartServer();
        var slug = await SeedAsync(api.Services);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };
        var figures = new List<Figure>();
        foreach (var (name, path) in new[] { (AgendaJson, $"/api/conferences/{slug}/agenda"), (ScheduleXml, $"/api/conferences/{slug}/schedule.xml") })
        {
            var bytes = await http.GetByteArrayAsync(path);
            memory[path] = bytes;
            BenchContext.Log($"{name}: {bytes.Length:N0} bytes per answer");
            figures.Add(await AppendBenchmarks.CompareAsync(ctx, name, Clients, Get(http, "/bench/memory" + path, bytes.Length), Get(http, path, bytes.Length), "requests/s"));
        }

        return figures;
    }

    private static Func<int, Task<int>> Get(HttpClient http, string path, int expectedLength) => async _ =>
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK || body.Length != expectedLength)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} with {body.Length} bytes");
        }

        return 1;
    };

    /// <summary>Through the application's own commands, as an organiser would build it.</summary>
    private static async Task<string> SeedAsync(IServiceProvider services)
    {
        var conferences = services.GetRequiredService<ConferenceService>();
        var agenda = services.GetRequiredService<AgendaService>();
        const string slug = "bench-forum";
        const string actor = "system:bench";
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, "Benchmark Forum", null, new VenueRequest("Conference centre", "Brussels", "BE"), "Europe/Brussels",
            "2026-10-24", "2026-10-26", ["en", "fr"], 2000, 4), actor, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), actor, null, CancellationToken.None);
        var rooms = new List<Guid>();
        for (var r = 1; r <= 12; r++)
        {
            rooms.Add((await agenda.AddRoomAsync(slug, new RoomRequest($"Room {r}", 150, ["en", "fr"]), actor, CancellationToken.None)).Id);
        }

        BenchContext.Log("seeding 400 sessions through the agenda commands");
        var kinds = Enum.GetNames<SessionKind>().Where(k => k != nameof(SessionKind.Ministerial)).ToArray();
        var number = 0;
        foreach (var day in new[] { "2026-10-24", "2026-10-25", "2026-10-26" })
        {
            for (var slot = 0; slot < 12 && number < 400; slot++)
            {
                foreach (var room in rooms)
                {
                    if (number++ >= 400)
                    {
                        break;
                    }

                    var start = TimeSpan.FromHours(8) + TimeSpan.FromMinutes(45 * slot);
                    var end = start + TimeSpan.FromMinutes(40);
                    await agenda.ScheduleAsync(slug, new SessionRequest(
                        kinds[number % kinds.Length], $"Session {number}: cooperation against online abuse, part {number % 7 + 1}",
                        $"Panel discussion number {number} with delegations and experts.", room,
                        $"{day}T{start:hh\\:mm}", $"{day}T{end:hh\\:mm}", $"Chair {number}", [$"Speaker {number}a", $"Speaker {number}b"],
                        true, 100), actor, CancellationToken.None);
                }
            }
        }

        await agenda.PublishAsync(slug, actor, CancellationToken.None);
        return slug;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The API on Kestrel, with one extra route that answers recorded bytes from memory (the baseline).</summary>
    // Any type of the API assembly names its entry point; "Program" would be this program's own.
    private sealed class BenchApi : WebApplicationFactory<ConferenceService>
    {
        private readonly string connectionString;
        private readonly string schema;
        private readonly IReadOnlyDictionary<string, byte[]> memory;

        public BenchApi(string connectionString, string schema, int port, IReadOnlyDictionary<string, byte[]> memory)
        {
            this.connectionString = connectionString;
            this.schema = schema;
            this.memory = memory;
            UseKestrel(port);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // The factory looks for the API's folder beside the solution by assembly name; it lives in api/.
            builder.UseContentRoot(ApiFolder());
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Forum", connectionString);
            builder.UseSetting("EventStore:Schema", schema);
            builder.UseSetting("Auth:SigningKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new MemoryRoutes(memory)));
        }
    }

    private static string ApiFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forum.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Forum.sln not found above the benchmark binaries."), "api", "Forum.Api");
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
