extern alias web;

using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Forum.Benchmarks;

/// <summary>
/// The web client's conference page of the read benchmarks' 3-day, 400-session, 12-room conference, the web client on
/// Kestrel talking to the real API on Kestrel over HTTP, against the API's agenda JSON of the same conference under the
/// same load (16 clients) in the same run; and the page's weight as sent, compressed (what a browser accepting
/// br and gzip receives) and not.
/// </summary>
internal static class WebBenchmarks
{
    public const string Page = "GET the web client's conference page (3 days, 400 sessions, 12 rooms), 16 clients";
    public const string Compressed = "conference page weight as sent to a browser (Accept-Encoding: br, gzip)";
    public const string Uncompressed = "conference page weight uncompressed";
    public const int CompressedGoal = 60 * 1024;
    private const int Clients = 16;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var schema = await ctx.NewSchemaAsync("web");
        await using var api = new BenchApi(connectionString, schema);
        api.StartServer();
        var slug = await ReadBenchmarks.SeedAsync(api.Services);
        await using var site = new BenchWeb(api.BaseAddress);
        site.StartServer();

        // No automatic decompression: the bytes counted are the bytes on the wire.
        using var apiHttp = Client(api.BaseAddress);
        using var webHttp = Client(site.BaseAddress);
        var agendaPath = $"/api/conferences/{slug}/agenda";
        var pagePath = $"/conferences/{slug}";
        var json = await apiHttp.GetByteArrayAsync(agendaPath);

        var (plain, plainEncoding) = await WeighAsync(webHttp, pagePath, null);
        var (sent, sentEncoding) = await WeighAsync(webHttp, pagePath, "br, gzip");
        var (gzip, gzipEncoding) = await WeighAsync(webHttp, pagePath, "gzip");
        if (plainEncoding is not null || !System.Text.Encoding.UTF8.GetString(plain).Contains("Session 400:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"GET {pagePath} without Accept-Encoding did not answer the whole agenda uncompressed ({plain.Length} bytes, encoding {plainEncoding ?? "none"})");
        }

        BenchContext.Log($"web: agenda JSON {json.Length:N0} bytes; conference page {plain.Length:N0} bytes uncompressed, " +
            $"{sent.Length:N0} bytes to 'br, gzip' ({sentEncoding ?? "identity"}), {gzip.Length:N0} bytes to 'gzip' ({gzipEncoding ?? "identity"}); " +
            $"for comparison Brotli at its fastest level here: {BrotliLength(plain, CompressionLevel.Fastest):N0} bytes, at its smallest: {BrotliLength(plain, CompressionLevel.SmallestSize):N0} bytes");

        // Two fresh hosts in one process: the web client's rendering is still being compiled by the tiered JIT after the
        // comparison's usual 2-second warm-up (its first rounds ran at half the rate of its last), so both sides warm longer.
        var warm = ctx.Options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);
        await Harness.RunAsync(Clients, warm, TimeSpan.FromSeconds(1), Get(webHttp, pagePath));
        await Harness.RunAsync(Clients, warm / 4, TimeSpan.FromSeconds(1), Get(apiHttp, agendaPath));

        var figures = new List<Figure>
        {
            await AppendBenchmarks.CompareAsync(ctx, Page, Clients, Get(apiHttp, agendaPath), Get(webHttp, pagePath), "requests/s"),
            new(Compressed, sent.Length, "bytes", CompressedGoal, Math.Round((double)sent.Length / CompressedGoal, 3)),
            new(Uncompressed, plain.Length, "bytes", json.Length, Math.Round((double)plain.Length / json.Length, 3)),
        };
        return figures;
    }

    private static HttpClient Client(Uri address) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromMinutes(2),
        };

    private static async Task<(byte[] Body, string? Encoding)> WeighAsync(HttpClient http, string path, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentEncoding.FirstOrDefault());
    }

    private static int BrotliLength(byte[] bytes, CompressionLevel level)
    {
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, level, leaveOpen: true))
        {
            brotli.Write(bytes);
        }

        return (int)output.Length;
    }

    /// <summary>One GET as a browser sends it (accepting br and gzip) that must answer 200 with a body.</summary>
    private static Func<int, Task<int>> Get(HttpClient http, string path) => async _ =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK || body.Length == 0)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} with {body.Length} bytes");
        }

        return 1;
    };

    /// <summary>The web client on a free loopback port, with the API's address as its ForumApi:BaseUrl.</summary>
    private sealed class BenchWeb : WebApplicationFactory<web::Program>
    {
        private readonly Uri api;

        public BenchWeb(Uri api)
        {
            this.api = api;
            Port = BenchApi.FreePort();
            UseKestrel(Port);
        }

        public int Port { get; }

        public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseContentRoot(Path.Combine(BenchApi.RepositoryRoot(), "web", "Forum.Web"));
            builder.UseEnvironment("Production");
            builder.UseSetting("ForumApi:BaseUrl", api.ToString());
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
