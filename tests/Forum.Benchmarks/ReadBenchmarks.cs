using System.Net;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
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
        var memory = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var api = new BenchApi(connectionString, schema, memory);
        api.StartServer();
        var slug = await SeedAsync(api.Services);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = api.BaseAddress,
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

    /// <summary>One GET that must answer 200 with exactly the expected number of bytes (the read benchmarks' unit of work).</summary>
    internal static Func<int, Task<int>> Get(HttpClient http, string path, int expectedLength) => async _ =>
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
    internal static async Task<string> SeedAsync(IServiceProvider services)
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
}
