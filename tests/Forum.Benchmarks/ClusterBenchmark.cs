using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Deployment;
using Forum.Api.Tests.Notifications;

namespace Forum.Benchmarks;

/// <summary>
/// Two API processes behind nginx against one, on one PostgreSQL and one machine: a read-heavy mix (the public agenda,
/// feed and frab export, with one registration in ten requests) and a write-heavy one (registrations into four
/// conferences, with one read in ten), each side through its own nginx; and the seconds from a SIGKILL of the process
/// leading the projections to the survivor's projections having handled an event written after the kill.
/// </summary>
internal static class ClusterBenchmark
{
    public const string Reads = "read-heavy mix (9 public reads : 1 registration) through nginx, two API processes, 16 clients";
    public const string Writes = "write-heavy mix (9 registrations : 1 public read) through nginx, two API processes, 16 clients";
    public const string Failover = "SIGKILL of the projections' leader to the survivor's projections caught up with a new event (median of 3)";
    private const int Clients = 16;
    private const int Conferences = 4;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var schema = await ctx.NewSchemaAsync("cluster");
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var environment = ApiProcess.Settings(connectionString, schema, signingKey);
        int[] ports = [ApiProcess.FreePort(), ApiProcess.FreePort()];
        var apis = new[] { ApiProcess.Start("api-1", environment, ports[0]), ApiProcess.Start("api-2", environment, ports[1]) };
        try
        {
            await Task.WhenAll(apis.Select(a => a.WaitReadyAsync(TimeSpan.FromMinutes(3))));
            await using var two = new Nginx(ApiProcess.FreePort(), ports, ApiProcess.FreePort());
            await using var one = new Nginx(ApiProcess.FreePort(), [ports[0]], ApiProcess.FreePort());
            await two.StartAsync();
            await one.StartAsync();
            using var viaTwo = Client(two.Address);
            using var viaOne = Client(one.Address);
            var organiser = StaffTokenHandler.Issue(signingKey, "bench", Roles.Organiser, DateTimeOffset.UtcNow, TimeSpan.FromHours(2));
            var slugs = new List<string>();
            for (var i = 0; i < Conferences; i++)
            {
                slugs.Add(await SeedConferenceAsync(viaTwo, organiser, sessions: i == 0 ? 60 : 1));
            }

            var next = 0;
            Func<int, Task<int>> Mix(HttpClient http, int writesInTen) => async _ =>
            {
                var n = Interlocked.Increment(ref next);
                var slug = slugs[n % Conferences];
                using var request = n % 10 < writesInTen
                    ? Registration(slug, n)
                    : new HttpRequestMessage(HttpMethod.Get, (n % 3) switch
                    {
                        0 => $"/api/conferences/{slugs[0]}/agenda",
                        1 => $"/calendars/{slugs[0]}.ics",
                        _ => $"/api/conferences/{slugs[0]}/schedule.xml",
                    });
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}");
                }

                return 1;
            };

            var figures = new List<Figure>
            {
                await AppendBenchmarks.CompareAsync(ctx, Reads, Clients, Mix(viaOne, 1), Mix(viaTwo, 1), "requests/s"),
                await AppendBenchmarks.CompareAsync(ctx, Writes, Clients, Mix(viaOne, 9), Mix(viaTwo, 9), "requests/s"),
            };

            // Failover: kill whichever process leads the projections, write through the survivor, time the catch-up.
            var times = new List<double>();
            for (var round = 0; round < 3; round++)
            {
                var leader = await LeaderAsync(apis);
                var survivor = apis.Single(a => a != leader);
                var clock = Stopwatch.StartNew();
                leader.Kill();
                using (var direct = Client(survivor.BaseAddress))
                {
                    using var written = await direct.SendAsync(Registration(slugs[1], 1_000_000 + round));
                    written.EnsureSuccessStatusCode();
                }

                await CaughtUpAsync(survivor);
                times.Add(clock.Elapsed.TotalSeconds);
                BenchContext.Log($"  failover round {round + 1}: {leader.Name} killed, {survivor.Name}'s projections caught up after {clock.Elapsed.TotalSeconds:N2} s");
                var index = Array.IndexOf(apis, leader);
                await leader.DisposeAsync();
                apis[index] = ApiProcess.Start($"api-{index + 1}-r{round + 1}", environment, ports[index]);
                await apis[index].WaitReadyAsync(TimeSpan.FromMinutes(3));
            }

            var median = times.Order().ElementAt(1);
            figures.Add(Figure.Latency(Failover, median * 1000, 5000));
            return figures;
        }
        finally
        {
            foreach (var api in apis)
            {
                await api.DisposeAsync();
            }
        }
    }

    private static HttpClient Client(Uri address) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };

    private static HttpRequestMessage Registration(string slug, int n)
    {
        var name = $"Bench NGO {n}";
        var tag = new string(name.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conferences/{slug}/delegations")
        {
            Content = JsonContent.Create(new
            {
                party = new { kind = "NonGovernmentalOrganisation", name },
                focalPoint = new { name = $"Focal point of {name}", email = $"focal.{tag}@example.org" },
                members = new[] { new { name = $"Head of {name}", function = "Director", rank = "HeadOfOrganisation", email = $"head.{tag}@example.org", isHead = true } },
            }),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
        return request;
    }

    private static async Task<string> SeedConferenceAsync(HttpClient http, string organiser, int sessions)
    {
        var slug = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        await SendAsync(http, organiser, HttpMethod.Post, "/api/conferences", new
        {
            slug, title = "Cluster benchmark", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2031-06-10", lastDay = "2031-06-12", languages = new[] { "en" }, capacity = 1_000_000, delegationQuota = 4,
        });
        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/publish", null);
        var room = (await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/rooms", new { name = "Plenary", capacity = 500, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        for (var i = 0; i < sessions; i++)
        {
            var start = new DateTime(2031, 6, 10 + (i / 20), 8, 0, 0).AddMinutes(i % 20 * 30);
            await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/sessions", new
            {
                kind = "Workshop", title = $"Session {i + 1}", roomId = room, start = start.ToString("yyyy-MM-ddTHH:mm"), end = start.AddMinutes(25).ToString("yyyy-MM-ddTHH:mm"),
                speakers = new[] { "A speaker" }, isPublic = true,
            });
        }

        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/agenda/publish", null);
        await SendAsync(http, organiser, HttpMethod.Post, $"/api/conferences/{slug}/registration/open", null);
        return slug;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, string token, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The process that leads the most projections (each says which it leads in /health).</summary>
    private static async Task<ApiProcess> LeaderAsync(ApiProcess[] apis)
    {
        ApiProcess? leader = null;
        await WaitAsync(async () =>
        {
            var led = new List<(ApiProcess Api, int Count)>();
            foreach (var api in apis)
            {
                using var http = new HttpClient { BaseAddress = api.BaseAddress };
                var health = await http.GetFromJsonAsync<JsonElement>("/health");
                led.Add((api, health.GetProperty("projections").EnumerateArray().Count(p => p.GetProperty("leading").GetBoolean())));
            }

            leader = led.OrderByDescending(l => l.Count).First() is { Count: > 0 } most ? most.Api : null;
            return leader is not null;
        }, "a process to lead the projections");
        return leader!;
    }

    private static async Task CaughtUpAsync(ApiProcess survivor)
    {
        using var http = new HttpClient { BaseAddress = survivor.BaseAddress };
        await WaitAsync(async () =>
        {
            var health = await http.GetFromJsonAsync<JsonElement>("/health");
            return health.GetProperty("projections").EnumerateArray()
                .Where(p => p.GetProperty("active").GetBoolean())
                .All(p => p.GetProperty("leading").GetBoolean() && p.GetProperty("eventsBehind").GetInt64() == 0);
        }, $"{survivor.Name} to lead and catch up every projection", pollMs: 10);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, int pollMs = 100)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"waited 2 minutes for {what}");
            }

            await Task.Delay(pollMs);
        }
    }
}
