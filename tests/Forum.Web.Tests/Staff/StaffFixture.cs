extern alias idp;
extern alias staff;

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

/// <summary>A staff account of the local identity provider.</summary>
public sealed record StaffAccount(string Email, string Password, string Name, params string[] Roles);

/// <summary>The staff app on a real Kestrel port, signing people in through the local identity provider.</summary>
public sealed class StaffServer(Uri api, Uri provider, int port) : WebApplicationFactory<staff::Program>
{
    public Uri Address => new($"http://127.0.0.1:{port}");

    public void Start()
    {
        UseKestrel(port);
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ForumApi:BaseUrl", api.ToString());
        builder.UseSetting("StaffAuth:Authority", provider.ToString());
        // Access tokens live StaffFixture.TokenLifetime; renewed when less than that minus 3 s remains, so that a test
        // sees a session renewed through its refresh token within seconds.
        builder.UseSetting("StaffAuth:RefreshBefore", (StaffFixture.TokenLifetime - TimeSpan.FromSeconds(3)).ToString());
    }

    /// <summary>The session a staff cookie holds, read with the app's own keys (null when it holds none).</summary>
    public AuthenticationTicket? Ticket(string cookie) =>
        Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat.Unprotect(cookie);

    /// <summary>A cookie the app itself would write for <paramref name="ticket"/>.</summary>
    public string Protect(AuthenticationTicket ticket) =>
        Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat.Protect(ticket);
}

/// <summary>
/// The local identity provider (OpenIddict), the API trusting its tokens, the public web client, the staff app and
/// Chromium: each staff test signs in for real (redirects, PKCE, the provider's form) and works on data of its own.
/// </summary>
public sealed class StaffFixture : IAsyncLifetime
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);

    public static readonly StaffAccount Organiser = new("olivia@forum.test", "organiser-password-1", "Olivia Organiser", "organiser");

    public static readonly StaffAccount SecondOrganiser = new("oscar@forum.test", "organiser-password-2", "Oscar Organiser", "organiser");

    public static readonly StaffAccount Protocol = new("pierre@forum.test", "protocol-password-3", "Pierre Protocol", "protocol");

    public static readonly StaffAccount Chief = new("chiara@forum.test", "chief-password-4", "Chiara Chief", "organiser", "protocol");

    private static readonly StaffAccount[] Accounts = [Organiser, SecondOrganiser, Protocol, Chief];

    private IPlaywright? playwright;

    private WebApplication? provider;

    public ApiServer Api { get; private set; } = null!;

    public WebServer Web { get; private set; } = null!;

    public StaffServer Staff { get; private set; } = null!;

    public Uri Provider { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient ApiOrganiser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var providerPort = Ports.Free();
        var staffPort = Ports.Free();
        Provider = new Uri($"http://127.0.0.1:{providerPort}/");
        var args = new List<string>
        {
            $"--urls=http://127.0.0.1:{providerPort}",
            $"--IdentityProvider:Issuer={Provider}",
            $"--IdentityProvider:AccessTokenLifetime={TokenLifetime}",
            "--IdentityProvider:Clients:0:ClientId=forum-staff",
            $"--IdentityProvider:Clients:0:RedirectUris:0=http://127.0.0.1:{staffPort}/signin-oidc",
            $"--IdentityProvider:Clients:0:PostLogoutRedirectUris:0=http://127.0.0.1:{staffPort}/signout-callback-oidc",
            "--Logging:LogLevel:Default=Warning",
        };
        for (var i = 0; i < Accounts.Length; i++)
        {
            args.Add($"--IdentityProvider:Accounts:{i}:Email={Accounts[i].Email}");
            args.Add($"--IdentityProvider:Accounts:{i}:Name={Accounts[i].Name}");
            args.Add($"--IdentityProvider:Accounts:{i}:Password={Accounts[i].Password}");
            for (var r = 0; r < Accounts[i].Roles.Length; r++)
            {
                args.Add($"--IdentityProvider:Accounts:{i}:Roles:{r}={Accounts[i].Roles[r]}");
            }
        }

        provider = idp::Forum.IdentityProvider.IdentityProviderHost.Build([.. args]);
        await provider.StartAsync();

        Api = new ApiServer(new Dictionary<string, string>
        {
            ["Auth:Oidc:Issuer"] = Provider.ToString(),
            ["Auth:Oidc:Audience"] = "forum-api",
            ["Auth:Oidc:RoleClaim"] = "role",
        });
        Api.StartServer();
        Web = new WebServer(Api.Address);
        Web.Start();
        Staff = new StaffServer(Api.Address, Provider, staffPort);
        Staff.Start();
        ApiOrganiser = new HttpClient { BaseAddress = Api.Address };
        ApiOrganiser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            StaffTokenHandler.Issue(Api.SigningKey, "test-organiser", Roles.Organiser, DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        // Two apps' browsers, four servers and PostgreSQL share two cores while the web tests run beside these: an
        // assertion waits as long as an action does before it fails.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = WebFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright?.Dispose();
        ApiOrganiser.Dispose();
        await Staff.DisposeAsync();
        await Web.DisposeAsync();
        await Api.DisposeAsync();
        if (provider is not null)
        {
            await provider.DisposeAsync();
        }
    }

    /// <summary>A fresh browser (cookies of its own) on the staff app; axe-core is injected into every page when scripts run.</summary>
    public async Task<IPage> NewPageAsync(bool javaScript = true, int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Staff.Address.ToString(),
            JavaScriptEnabled = javaScript,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        if (javaScript)
        {
            await context.AddInitScriptAsync(WebFixture.AxeScript);
        }

        return await context.NewPageAsync();
    }

    /// <summary>Signs <paramref name="account"/> in through the provider's form, from <paramref name="path"/> of the staff app.</summary>
    public async Task<IPage> SignedInAsync(StaffAccount account, string path = "/", bool javaScript = true, int width = 1280)
    {
        var page = await NewPageAsync(javaScript, width);
        await SignInAsync(page, account, path);
        return page;
    }

    public async Task SignInAsync(IPage page, StaffAccount account, string path = "/")
    {
        await page.GotoAsync(path);
        Assert.StartsWith(Provider.ToString().TrimEnd('/'), page.Url, StringComparison.Ordinal);
        await page.GetByLabel("E-mail address").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(Staff.Address.ToString(), StringComparison.Ordinal));
        if (await page.Locator(".header-person").CountAsync() == 0)
        {
            Assert.Fail($"Not signed in at {page.Url}: {await page.Locator("body").InnerTextAsync()}");
        }

        await Expect(page.Locator(".header-person")).ToHaveTextAsync(account.Name);
    }

    /// <summary>A draft conference of its own, made through the API (for tests whose subject is not its creation).</summary>
    public async Task<string> ConferenceAsync(bool publish = false)
    {
        var slug = "staff-" + Guid.NewGuid().ToString("N")[..10];
        await PostAsync("api/conferences", new
        {
            slug,
            title = "Ministerial conference " + slug[^4..],
            venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" },
            timeZone = "Europe/Brussels",
            firstDay = "2027-03-10",
            lastDay = "2027-03-11",
            languages = new[] { "en", "fr" },
            capacity = 300,
            delegationQuota = 4,
        });
        if (publish)
        {
            await PostAsync($"api/conferences/{slug}/publish", null);
        }

        return slug;
    }

    /// <summary>An organiser's POST to the API, which must succeed; answers its JSON.</summary>
    public async Task<JsonElement> PostAsync(string path, object? body)
    {
        using var response = await ApiOrganiser.PostAsync(path, JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await ApiOrganiser.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

[CollectionDefinition(Name)]
public sealed class StaffCollection : ICollectionFixture<StaffFixture>
{
    public const string Name = "staff";
}
