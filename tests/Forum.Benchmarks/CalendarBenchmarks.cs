using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Benchmarks;

/// <summary>
/// Calendar feeds through the real API on Kestrel, 16 clients: the demo conference's public feed and a personal feed
/// in a 10,000-member conference, each beside the same server answering the same bytes from memory; the 304 path of
/// that personal feed; and the same personal feed (the same three seats) in a 10-member conference against the
/// 10,000-member one, which says whether the cost grows with the conference.
/// </summary>
internal static class CalendarBenchmarks
{
    public const string DemoFeed = "GET the demo conference's public feed (global-alliance-2012.ics), 16 clients";
    public const string PersonalFeed = "GET a personal feed in a 10,000-member conference, 16 clients";
    public const string NotModified = "GET that personal feed with If-None-Match (304), 16 clients";
    public const string SizeIndependent = "GET a personal feed, 10,000-member conference against 10-member, 16 clients";
    private const int Clients = 16;
    private const string Actor = "system:bench";

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var schema = await ctx.NewSchemaAsync("calendars");
        var memory = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var api = new BenchApi(connectionString, schema, memory);
        api.StartServer();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = api.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };

        var seeding = Stopwatch.StartNew();
        await api.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        var demoPath = "/calendars/global-alliance-2012.ics";
        var small = await PersonalFeedAsync(api.Services, http, 1, 10);
        var large = await PersonalFeedAsync(api.Services, http, 500, 20);
        var demo = await FeedWhenAsync(http, demoPath, body => body.Contains("BEGIN:VEVENT", StringComparison.Ordinal));
        BenchContext.Log($"calendar feeds: seeded the demo, a 10-member and a 10,000-member conference in {seeding.Elapsed.TotalSeconds:N0} s; " +
            $"demo feed {demo.Length:N0} bytes, personal feeds {small.Body.Length:N0} and {large.Body.Length:N0} bytes");

        memory[demoPath] = demo;
        memory[large.Path] = large.Body;
        var figures = new List<Figure>
        {
            await AppendBenchmarks.CompareAsync(ctx, DemoFeed, Clients, ReadBenchmarks.Get(http, "/bench/memory" + demoPath, demo.Length), ReadBenchmarks.Get(http, demoPath, demo.Length), "requests/s"),
            await AppendBenchmarks.CompareAsync(ctx, PersonalFeed, Clients, ReadBenchmarks.Get(http, "/bench/memory" + large.Path, large.Body.Length), ReadBenchmarks.Get(http, large.Path, large.Body.Length), "requests/s"),
            await AppendBenchmarks.CompareAsync(ctx, NotModified, Clients, ReadBenchmarks.Get(http, "/bench/memory" + large.Path, large.Body.Length), Conditional(http, large.Path, large.ETag), "requests/s"),
            await AppendBenchmarks.CompareAsync(ctx, SizeIndependent, Clients, ReadBenchmarks.Get(http, small.Path, small.Body.Length), ReadBenchmarks.Get(http, large.Path, large.Body.Length), "requests/s"),
        };
        return figures;
    }

    private sealed record Personal(string Path, byte[] Body, EntityTagHeaderValue ETag);

    /// <summary>
    /// A conference of <paramref name="delegations"/> delegations of <paramref name="members"/> members, an agenda of 30
    /// sessions over three days, one accredited member in three of them, the agenda published; that member's feed
    /// once the daemon rendered it.
    /// </summary>
    private static async Task<Personal> PersonalFeedAsync(IServiceProvider services, HttpClient http, int delegations, int members)
    {
        var conferences = services.GetRequiredService<ConferenceService>();
        var agenda = services.GetRequiredService<AgendaService>();
        var registrations = services.GetRequiredService<DelegationService>();
        var slug = $"bench-feeds-{delegations * members}";
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, $"Feeds Forum ({delegations * members} members)", null, new VenueRequest("Conference centre", "Brussels", "BE"), "Europe/Brussels",
            "2027-10-24", "2027-10-26", ["en", "fr"], delegations * members, members), Actor, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), Actor, null, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), Actor, null, CancellationToken.None);
        var room = (await agenda.AddRoomAsync(slug, new RoomRequest("Plenary Hall", 2000, ["en", "fr"]), Actor, CancellationToken.None)).Id;
        var sessions = new List<Guid>();
        foreach (var day in new[] { "2027-10-24", "2027-10-25", "2027-10-26" })
        {
            for (var slot = 0; slot < 10; slot++)
            {
                var start = TimeSpan.FromHours(8) + TimeSpan.FromMinutes(45 * slot);
                sessions.Add((await agenda.ScheduleAsync(slug, new SessionRequest(
                    "Workshop", $"Workshop {sessions.Count + 1}: cooperation against online abuse", "With delegations and experts.", room,
                    $"{day}T{start:hh\\:mm}", $"{day}T{start + TimeSpan.FromMinutes(40):hh\\:mm}", "Chair", ["Speaker"], true, 100), Actor, CancellationToken.None)).Id);
            }
        }

        // Registrations that arrive together are decided in batches.
        var registered = await Task.WhenAll(Enumerable.Range(1, delegations).Select(i => registrations.RegisterAsync(slug, new RegisterDelegationRequest(
            new PartyRequest("Company", null, $"Party {i}"),
            new ContactRequest($"Focal Point {i}", $"focal.{i}@example.org"),
            Enumerable.Range(0, members).Select(m => (MemberRequest?)new MemberRequest(
                $"Member {m} of party {i}", m == 0 ? "Chief executive" : "Adviser", m == 0 ? "HeadOfOrganisation" : "Official", $"m{m}.p{i}@example.org", m == 0, null)).ToList()),
            null, Actor, CancellationToken.None)));
        var measured = registered[delegations / 2];
        var member = measured.Members[0].Id;
        await registrations.DecideAccreditationAsync(measured.Id, member, new AccreditationRequest("approve", null), null, Actor, CancellationToken.None);
        foreach (var session in new[] { sessions[2], sessions[14], sessions[27] })
        {
            await registrations.RequestSeatsAsync(measured.Id, new SeatsRequest(session, [member], null), null, Actor, CancellationToken.None);
        }

        await agenda.PublishAsync(slug, Actor, CancellationToken.None);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/delegations/{measured.Id}/feeds");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", measured.AccessToken);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var feeds = await response.Content.ReadFromJsonAsync<JsonElement>();
        var url = feeds.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("memberId").GetGuid() == member).GetProperty("feed").GetProperty("https").GetString()!;
        var path = new Uri(url).AbsolutePath;
        var body = await FeedWhenAsync(http, path, text => text.Split("BEGIN:VEVENT").Length == 4);
        using var head = await http.GetAsync(path);
        return new Personal(path, body, head.Headers.ETag!);
    }

    /// <summary>The feed once the projection daemon has rendered what the condition asks for (within two minutes).</summary>
    private static async Task<byte[]> FeedWhenAsync(HttpClient http, string path, Func<string, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var body = await http.GetByteArrayAsync(path);
            if (condition(System.Text.Encoding.UTF8.GetString(body)))
            {
                return body;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"{path} was not rendered as expected within two minutes");
            }

            await Task.Delay(200);
        }
    }

    private static Func<int, Task<int>> Conditional(HttpClient http, string path, EntityTagHeaderValue etag) => async _ =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.NotModified)
        {
            throw new InvalidOperationException($"GET {path} with If-None-Match answered {(int)response.StatusCode}");
        }

        return 1;
    };
}
