extern alias idp;
extern alias staff;
extern alias web;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Forum.Benchmarks;

/// <summary>
/// The staff app's agenda board of the read benchmarks' 3-day, 400-session, 12-room conference, for an organiser signed
/// in through the local identity provider (a real code flow with PKCE), against the web client's public conference page
/// of the same agenda under the same load (16 clients) in the same run; and a move on the board, as the board's script
/// makes it: the move's POST (the staff app asks the API for the session, then changes it with If-Match) and the board
/// shown again, one organiser at a time.
/// </summary>
internal static partial class StaffBenchmarks
{
    public const string Board = "GET the staff app's agenda board (one day of the 400-session, 12-room conference), 16 clients";
    public const string MoveP50 = "a move on the board, its request to the board shown again: p50";
    public const string MoveP99 = "a move on the board, its request to the board shown again: p99";
    private const int Clients = 16;
    private const string Email = "olivia@forum.test";
    private const string Password = "bench-organiser-password";

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var staffPort = BenchApi.FreePort();
        var (provider, issuer) = await StartProviderAsync(staffPort, Email, "Olivia Organiser", Password, "organiser");
        await using var _ = provider;

        var schema = await ctx.NewSchemaAsync("staff");
        await using var api = new BenchApi(connectionString, schema, settings: new Dictionary<string, string>
        {
            ["Auth:Oidc:Issuer"] = issuer, ["Auth:Oidc:Audience"] = "forum-api", ["Auth:Oidc:RoleClaim"] = "role",
            // For the moves' baseline: the same change straight to the API with a development token.
            ["Auth:DevelopmentTokens"] = "true",
        });
        api.StartServer();
        var slug = await ReadBenchmarks.SeedAsync(api.Services);
        await using var site = new BenchSite<web::Program>(api.BaseAddress, BenchApi.FreePort(), "Forum.Web", new Dictionary<string, string>());
        site.StartServer();
        await using var board = new BenchSite<staff::Program>(api.BaseAddress, staffPort, "Forum.Staff", new Dictionary<string, string> { ["StaffAuth:Authority"] = issuer });
        board.StartServer();

        using var organiser = await SignInAsync(board.BaseAddress);
        using var visitor = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, AutomaticDecompression = DecompressionMethods.All }) { BaseAddress = site.BaseAddress };
        const string day = "2026-10-26";
        var boardPath = $"/conferences/{slug}/board/{day}";
        var pagePath = $"/conferences/{slug}";
        var first = await organiser.GetStringAsync(boardPath);
        if (!first.Contains("Session 400:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"GET {boardPath} did not show the day's sessions");
        }

        var warm = ctx.Options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);
        await Harness.RunAsync(Clients, warm, TimeSpan.FromSeconds(1), Get(organiser, boardPath));
        await Harness.RunAsync(Clients, warm / 4, TimeSpan.FromSeconds(1), Get(visitor, pagePath));
        var figures = new List<Figure> { await AppendBenchmarks.CompareAsync(ctx, Board, Clients, Get(visitor, pagePath), Get(organiser, boardPath), "requests/s") };

        // Moves: the last session of the last day goes to 20:00 and back to 21:00 in its room, as often as asked.
        var moves = ctx.Options.Quick ? 40 : 200;
        var times = new List<double>(moves);
        var card = CardOf().Matches(first).Last();
        var (id, room) = (card.Groups["id"].Value, card.Groups["room"].Value);
        for (var i = 0; i < moves + 10; i++)
        {
            var html = await organiser.GetStringAsync(boardPath);
            var revision = Regex.Match(html, $"data-id=\"{id}\" data-revision=\"(\\d+)\"").Groups[1].Value;
            var token = Token().Match(html).Groups[1].Value;
            var clock = Stopwatch.StartNew();
            using var move = await organiser.PostAsync($"{boardPath}?handler=Move", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["id"] = id, ["room"] = room, ["start"] = $"{day}T{(i % 2 == 0 ? "20:00" : "21:00")}", ["revision"] = revision, ["__RequestVerificationToken"] = token,
            }));
            using var answer = JsonDocument.Parse(await move.Content.ReadAsStringAsync());
            if (!answer.RootElement.GetProperty("ok").GetBoolean())
            {
                throw new InvalidOperationException($"a move was refused: {answer.RootElement}");
            }

            // The board's script then shows the board again.
            await organiser.GetStringAsync(boardPath);
            if (i >= 10)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        // The baseline: the same move straight to the API (its GET of the session and its PUT with If-Match), no page.
        using var direct = new HttpClient { BaseAddress = api.BaseAddress };
        direct.DefaultRequestHeaders.Authorization = new("Bearer", Forum.Api.Infrastructure.StaffTokenHandler.Issue(api.SigningKey, "bench", "organiser", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        var baseline = new List<double>(moves);
        for (var i = 0; i < moves + 10; i++)
        {
            var clock = Stopwatch.StartNew();
            using var current = await direct.GetAsync($"/api/conferences/{slug}/sessions/{id}");
            using var session = JsonDocument.Parse(await current.Content.ReadAsStringAsync());
            var s = session.RootElement;
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/conferences/{slug}/sessions/{id}")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new
                {
                    kind = s.GetProperty("kind").GetString(), title = s.GetProperty("title").GetString(), description = s.GetProperty("description").GetString(),
                    roomId = room, start = $"{day}T{(i % 2 == 0 ? "18:00" : "19:00")}", end = $"{day}T{(i % 2 == 0 ? "18:40" : "19:40")}",
                    chair = s.GetProperty("chair").GetString(), speakers = s.GetProperty("speakers").EnumerateArray().Select(x => x.GetString()).ToArray(),
                    isPublic = true, expectedAttendance = 100,
                }),
            };
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            using var changed = await direct.SendAsync(put);
            changed.EnsureSuccessStatusCode();
            if (i >= 10)
            {
                baseline.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        var sorted = times.Order().ToArray();
        var sortedBaseline = baseline.Order().ToArray();
        BenchContext.Log($"staff: {moves} moves on the board, p50 {LagBenchmark.Percentile(sorted, 50):N1} ms, p99 {LagBenchmark.Percentile(sorted, 99):N1} ms, max {sorted[^1]:N1} ms; " +
            $"straight to the API p50 {LagBenchmark.Percentile(sortedBaseline, 50):N1} ms, p99 {LagBenchmark.Percentile(sortedBaseline, 99):N1} ms");
        figures.Add(Figure.Latency(MoveP50, LagBenchmark.Percentile(sorted, 50), LagBenchmark.Percentile(sortedBaseline, 50)));
        figures.Add(Figure.Latency(MoveP99, LagBenchmark.Percentile(sorted, 99), LagBenchmark.Percentile(sortedBaseline, 99)));
        return figures;
    }

    /// <summary>The local identity provider on a free port, with one account of one role, for the staff app on <paramref name="staffPort"/>.</summary>
    internal static async Task<(Microsoft.AspNetCore.Builder.WebApplication Provider, string Issuer)> StartProviderAsync(int staffPort, string email, string name, string password, string role)
    {
        var providerPort = BenchApi.FreePort();
        var issuer = $"http://127.0.0.1:{providerPort}/";
        var provider = idp::Forum.IdentityProvider.IdentityProviderHost.Build([
            $"--urls=http://127.0.0.1:{providerPort}", $"--IdentityProvider:Issuer={issuer}",
            $"--IdentityProvider:Accounts:0:Email={email}", $"--IdentityProvider:Accounts:0:Name={name}",
            $"--IdentityProvider:Accounts:0:Password={password}", $"--IdentityProvider:Accounts:0:Roles:0={role}",
            "--IdentityProvider:Clients:0:ClientId=forum-staff",
            $"--IdentityProvider:Clients:0:RedirectUris:0=http://127.0.0.1:{staffPort}/signin-oidc",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await provider.StartAsync();
        return (provider, issuer);
    }

    /// <summary>Signs the organiser in as a browser would: the staff app, the provider's form, the code back to the app.</summary>
    private static async Task<HttpClient> SignInAsync(Uri staffAddress)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, CookieContainer = new CookieContainer(), AllowAutoRedirect = true, AutomaticDecompression = DecompressionMethods.All })
        {
            BaseAddress = staffAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
        using var form = await http.GetAsync("/");
        var html = await form.Content.ReadAsStringAsync();
        var fields = Hidden().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["email"] = Email;
        fields["password"] = Password;
        using var signedIn = await http.PostAsync(form.RequestMessage!.RequestUri, new FormUrlEncodedContent(fields));
        var page = await signedIn.Content.ReadAsStringAsync();
        if (!page.Contains("Olivia Organiser", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the organiser could not sign in (ended at {signedIn.RequestMessage!.RequestUri})");
        }

        return http;
    }

    private static Func<int, Task<int>> Get(HttpClient http, string path) => async _ =>
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK || body.Length == 0)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} with {body.Length} bytes");
        }

        return 1;
    };

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex Hidden();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex("data-id=\"(?<id>[0-9a-f-]{36})\" data-revision=\"\\d+\" data-room=\"(?<room>[0-9a-f-]{36})\"")]
    private static partial Regex CardOf();

    /// <summary>A web app of ours on a free loopback port, talking to the API over HTTP, in Production.</summary>
    internal sealed class BenchSite<TProgram> : WebApplicationFactory<TProgram>
        where TProgram : class
    {
        private readonly Uri api;
        private readonly int port;
        private readonly string folder;
        private readonly IReadOnlyDictionary<string, string> settings;

        public BenchSite(Uri api, int port, string folder, IReadOnlyDictionary<string, string> settings)
        {
            (this.api, this.port, this.folder, this.settings) = (api, port, folder, settings);
            UseKestrel(port);
        }

        public Uri BaseAddress => new($"http://127.0.0.1:{port}");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseContentRoot(Path.Combine(BenchApi.RepositoryRoot(), "web", folder));
            // The staff cookie is Secure-only in Production; over loopback http the bench runs as Development does.
            builder.UseEnvironment(folder == "Forum.Staff" ? "Development" : "Production");
            builder.UseSetting("ForumApi:BaseUrl", api.ToString());
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
