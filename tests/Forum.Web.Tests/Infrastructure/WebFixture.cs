using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Demo;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Forum.Web.Tests.Infrastructure;

/// <summary>
/// The API and the web client on real ports, a conference published with an agenda and open for registration, and
/// Debian's Chromium driven by Playwright. Shared by the web tests (one start-up, a few seconds).
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    private Task? demo;

    public ApiServer Api { get; } = new();

    public WebServer Web { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Organiser { get; private set; } = null!;

    public string Slug { get; } = "web-" + Guid.NewGuid().ToString("N")[..10];

    public const int DelegationQuota = 3;

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ResultsDirectory => Path.Combine(RepositoryRoot, "tests", "Forum.Web.Tests", "TestResults");

    private static readonly Lazy<string> Axe = new(() => File.ReadAllText(Path.Combine(RepositoryRoot, "tests", "web-a11y", "node_modules", "axe-core", "axe.min.js")));

    /// <summary>axe-core's script, for the init scripts of browser contexts.</summary>
    public static string AxeScript => Axe.Value;

    public async Task InitializeAsync()
    {
        Api.StartServer();
        Web = new WebServer(Api.Address);
        Web.Start();
        Organiser = new HttpClient { BaseAddress = Api.Address };
        Organiser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            StaffTokenHandler.Issue(Api.SigningKey, "test-organiser", Roles.Organiser, DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        await SeedAsync();
        playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright?.Dispose();
        Organiser.Dispose();
        await Web.DisposeAsync();
        await Api.DisposeAsync();
    }

    /// <summary>A fresh browser context (cookies of its own) at <paramref name="width"/> pixels; axe-core is injected into every page it opens.</summary>
    public async Task<IPage> NewPageAsync(bool javaScript = true, int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Web.Address.ToString(),
            JavaScriptEnabled = javaScript,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        if (javaScript)
        {
            // An init script runs through the DevTools protocol, which the page's CSP does not govern.
            await context.AddInitScriptAsync(Axe.Value);
        }

        return await context.NewPageAsync();
    }

    /// <summary>
    /// The demo's facts (the Global Alliance's declaration signed by 48 states; Project Protect with reports on 2020 and
    /// 2021), seeded once through the API's own seeder, for the tests that need declarations with a history.
    /// </summary>
    public Task DemoAsync() => demo ??= Api.Services.GetRequiredService<DemoSeeder>().SeedAsync();

    /// <summary>The public declarations of a conference, as the API lists them.</summary>
    public async Task<List<JsonElement>> DeclarationsAsync(string slug)
    {
        using var anonymous = new HttpClient { BaseAddress = Api.Address };
        return (await anonymous.GetFromJsonAsync<List<JsonElement>>($"api/conferences/{slug}/declarations"))!;
    }

    /// <summary>The delegations registered for the conference, as the API holds them (organiser's view).</summary>
    public async Task<List<JsonElement>> DelegationsAsync(string partyCodeOrName)
    {
        var all = await Organiser.GetFromJsonAsync<List<JsonElement>>($"api/conferences/{Slug}/delegations");
        return all!.Where(d => d.GetProperty("party").TryGetProperty("code", out var code) && code.GetString() == partyCodeOrName
            || d.GetProperty("party").GetProperty("name").GetString() == partyCodeOrName).ToList();
    }

    private async Task SeedAsync()
    {
        await PostAsync("api/conferences", new
        {
            slug = Slug,
            title = "Launch of the Global Alliance against Child Sexual Abuse Online",
            venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" },
            timeZone = "Europe/Brussels",
            firstDay = "2012-12-05",
            lastDay = "2012-12-06",
            languages = new[] { "en", "fr" },
            capacity = 300,
            delegationQuota = DelegationQuota,
        });
        await PostAsync($"api/conferences/{Slug}/publish", null);
        var plenary = (await PostAsync($"api/conferences/{Slug}/rooms", new { name = "Plenary Hall", capacity = 300, interpretation = new[] { "en", "fr" } })).GetProperty("id").GetGuid();
        var room2 = (await PostAsync($"api/conferences/{Slug}/rooms", new { name = "Room 2", capacity = 80, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        object Session(string kind, string title, Guid room, string start, string end, bool isPublic = true) =>
            new { kind, title, description = $"About {title.ToLowerInvariant()}.", roomId = room, start, end, chair = "Cecilia Malmström", speakers = new[] { "Eric Holder" }, isPublic };
        await PostAsync($"api/conferences/{Slug}/sessions", Session("Plenary", "Opening of the conference", plenary, "2012-12-05T09:30", "2012-12-05T10:15"));
        await PostAsync($"api/conferences/{Slug}/sessions", Session("Ministerial", "Ministerial session: launching the Global Alliance", plenary, "2012-12-05T10:30", "2012-12-05T12:30", isPublic: false));
        await PostAsync($"api/conferences/{Slug}/sessions", Session("Workshop", "Identifying victims", room2, "2012-12-05T13:30", "2012-12-05T15:00"));
        var press = (await PostAsync($"api/conferences/{Slug}/sessions", Session("PressConference", "Press conference", room2, "2012-12-06T11:00", "2012-12-06T11:45"))).GetProperty("id").GetGuid();
        await PostAsync($"api/conferences/{Slug}/sessions/{press}/cancel", new { reason = "The ministers speak at the signing instead." });
        await PostAsync($"api/conferences/{Slug}/sessions", Session("SigningCeremony", "Signing of the declaration", plenary, "2012-12-06T10:00", "2012-12-06T11:00"));
        await PostAsync($"api/conferences/{Slug}/agenda/publish", null);
        await PostAsync($"api/conferences/{Slug}/registration/open", null);
    }

    /// <summary>An organiser's POST to the API, which must succeed; answers its JSON.</summary>
    public Task<JsonElement> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body);

    /// <summary>An organiser's PUT to the API, which must succeed; answers its JSON.</summary>
    public Task<JsonElement> PutAsync(string path, object? body) => SendAsync(HttpMethod.Put, path, body);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body)
    {
        using var response = await Organiser.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forum.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Forum.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
