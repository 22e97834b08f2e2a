extern alias staff;

using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Forum.Benchmarks;

/// <summary>
/// The check-in scanner's decision in the browser: the staff app's real /check-in page in headless Chromium (Debian's),
/// a protocol officer signed in through the local identity provider, its device holding the key and the roster of a
/// 200-participant conference. The device then goes offline (so no upload shares the two cores with the measure) and
/// 1,000 codes are typed in turn, valid and forged mixed (a forged code has one byte of its payload changed, so it is
/// decided by the signature check, not the parser). Each time is from the code's submission to the animation frame
/// after the answer is in the page (the frame that paints it); the page's own measure, to the answer in the page
/// (data-ms), is logged beside it. The goal is the figure's baseline, as for the projection lag.
/// </summary>
internal static class ScannerBenchmark
{
    public const string P50 = "scanner: a typed badge code to its answer on screen, headless Chromium, 1,000 codes: p50";
    public const string P99 = "scanner: a typed badge code to its answer on screen, headless Chromium, 1,000 codes: p99";
    public const double GoalMs = 50;
    private const int Codes = 1_000;
    private const int Warmup = 50;
    private const string Email = "paula@forum.test";
    private const string Password = "bench-protocol-password";
    private const string ChromiumPath = "/usr/bin/chromium";

    // Types each code and waits for the answer: the verdict's scan counter changes (a mutation), then one frame.
    private const string TypeAll = """
        async (codes) => {
          const form = document.getElementById('scan-form');
          const field = document.getElementById('code');
          const verdict = document.getElementById('verdict');
          const screen = [], page = [], kinds = {};
          for (const code of codes) {
            const before = verdict.dataset.scan || '0';
            const answered = new Promise(resolve => {
              const watch = new MutationObserver(() => { if ((verdict.dataset.scan || '0') !== before) { watch.disconnect(); resolve(); } });
              watch.observe(verdict, { attributes: true });
            });
            const started = performance.now();
            field.value = code;
            form.requestSubmit();
            await answered;
            await new Promise(resolve => requestAnimationFrame(resolve));
            screen.push(performance.now() - started);
            page.push(+verdict.dataset.ms);
            kinds[verdict.dataset.kind] = (kinds[verdict.dataset.kind] || 0) + 1;
          }
          return { screen, page, kinds: JSON.stringify(kinds) };
        }
        """;

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"the scanner benchmark drives Debian's Chromium ({ChromiumPath}): ./forum bench installs it");
        }

        var staffPort = BenchApi.FreePort();
        var (provider, issuer) = await StaffBenchmarks.StartProviderAsync(staffPort, Email, "Paula Protocol", Password, "protocol");
        await using var _ = provider;
        var schema = await ctx.NewSchemaAsync("scanner");
        await using var api = new BenchApi(connectionString, schema, settings: new Dictionary<string, string>
        {
            ["Auth:Oidc:Issuer"] = issuer, ["Auth:Oidc:Audience"] = "forum-api", ["Auth:Oidc:RoleClaim"] = "role",
        });
        api.StartServer();
        var (slug, codes) = await CheckInBenchmark.SeedAsync(api.Services, 10);
        await using var site = new StaffBenchmarks.BenchSite<staff::Program>(api.BaseAddress, staffPort, "Forum.Staff", new Dictionary<string, string> { ["StaffAuth:Authority"] = issuer });
        site.StartServer();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = site.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/check-in/{slug}?gate=Bench");
        await page.GetByLabel("E-mail address").FillAsync(Email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForSelectorAsync("#scanner[data-synced='true'][data-kept='true']", new() { Timeout = 60_000 });
        await context.SetOfflineAsync(true);

        // Valid codes (the first scan of each member admits, the next ones are "already checked in") and forged ones, alternating.
        var mixed = Enumerable.Range(0, Codes + Warmup).Select(i => i % 2 == 0 ? codes[i / 2 % codes.Count] : Forged(codes[i / 2 % codes.Count])).ToArray();
        await page.EvaluateAsync(TypeAll, mixed[..Warmup]);
        var answers = TypedAnswers.Of(await page.EvaluateAsync<JsonElement>(TypeAll, mixed[Warmup..]));
        var screen = answers.Screen.Order().ToArray();
        var inPage = answers.Page.Order().ToArray();
        BenchContext.Log($"scanner: {Codes:N0} typed codes offline, answers {answers.Kinds}; to the frame after the answer p50 {LagBenchmark.Percentile(screen, 50).ToString("N1", CultureInfo.InvariantCulture)} ms, " +
            $"p99 {LagBenchmark.Percentile(screen, 99):N1} ms, max {screen[^1]:N1} ms; the page's own measure (to the answer in the page) p50 {LagBenchmark.Percentile(inPage, 50):N1} ms, p99 {LagBenchmark.Percentile(inPage, 99):N1} ms");
        if (!answers.Kinds.Contains("\"invalid\":500", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"scanner: every forged code must be refused as not a badge: {answers.Kinds}");
        }

        await context.CloseAsync();
        return [Figure.Latency(P50, LagBenchmark.Percentile(screen, 50), GoalMs), Figure.Latency(P99, LagBenchmark.Percentile(screen, 99), GoalMs)];
    }

    /// <summary>One byte of the payload changed (a member id's): the code still parses, and only its signature refuses it.</summary>
    private static string Forged(string code)
    {
        var dot = code.IndexOf('.');
        var payload = Base64Url.DecodeFromChars(code.AsSpan(0, dot));
        payload[20] ^= 0x01;
        return Base64Url.EncodeToString(payload) + code[dot..];
    }

    private sealed record TypedAnswers(double[] Screen, double[] Page, string Kinds)
    {
        public static TypedAnswers Of(JsonElement answers) => new(
            answers.GetProperty("screen").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            answers.GetProperty("page").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            answers.GetProperty("kinds").GetString()!);
    }
}
