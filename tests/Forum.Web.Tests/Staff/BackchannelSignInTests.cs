extern alias idp;
extern alias staff;

using System.Net;
using System.Text.RegularExpressions;
using Forum.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Forum.Web.Tests.Staff;

/// <summary>
/// Staff sign-in as compose runs it: the provider's issuer is the address browsers use (here a port where nothing
/// listens, which the test's "browser" maps to the provider's port as compose maps the host's port to the container's),
/// and the staff app reaches the provider only at its back-channel address. Over HTTP, without Chromium or the API:
/// the staff app in memory, the local provider on Kestrel.
/// </summary>
public sealed partial class BackchannelSignInTests : IAsyncLifetime
{
    private const string Email = "olivia@forum.test";
    private const string Password = "organiser-password-1";
    private const string StaffSessionCookie = "forum-staff";

    private readonly int publicPort = Ports.Free();
    private readonly int providerPort = Ports.Free();
    private WebApplication? provider;

    /// <summary>The provider's issuer: where browsers reach it, and where nothing listens for the staff app.</summary>
    private Uri Issuer => new($"http://127.0.0.1:{publicPort}/");

    /// <summary>Where the provider listens: the staff app's back-channel address.</summary>
    private Uri Inside => new($"http://127.0.0.1:{providerPort}/");

    public async Task InitializeAsync()
    {
        provider = idp::Forum.IdentityProvider.IdentityProviderHost.Build([
            $"--urls=http://127.0.0.1:{providerPort}",
            $"--IdentityProvider:Issuer={Issuer}",
            $"--IdentityProvider:Accounts:0:Email={Email}",
            "--IdentityProvider:Accounts:0:Name=Olivia Organiser",
            $"--IdentityProvider:Accounts:0:Password={Password}",
            "--IdentityProvider:Accounts:0:Roles:0=organiser",
            "--IdentityProvider:Clients:0:ClientId=forum-staff",
            "--IdentityProvider:Clients:0:RedirectUris:0=http://localhost/signin-oidc",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await provider.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (provider is not null)
        {
            await provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task Through_the_back_channel_address_a_person_signs_in_while_the_issuer_is_unreachable_from_the_staff_app()
    {
        await using var app = new BackchannelStaffApp(Issuer, Inside);
        using var staffBrowser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        // The browser is sent to the public address, as browsers must be.
        using var challenge = await staffBrowser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(new Uri(Issuer, "connect/authorize").ToString(), authorize.ToString(), StringComparison.Ordinal);

        var callback = await SignInAtProviderAsync(authorize);
        Assert.Equal("/signin-oidc", callback.AbsolutePath);
        Assert.Equal(Issuer.ToString(), QueryHelpers.ParseQuery(callback.Query)["iss"].ToString());

        // The staff app redeems the code and checks the ID token through the back-channel.
        using var signedIn = await staffBrowser.GetAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        var ticket = app.Ticket(SessionCookie(signedIn));
        Assert.NotNull(ticket);
        Assert.True(ticket.Principal.IsInRole("organiser"));
        Assert.Equal("Olivia Organiser", ticket.Principal.FindFirst("name")?.Value);
        Assert.NotNull(ticket.Properties.GetTokenValue("access_token"));
    }

    [Fact]
    public async Task Without_the_back_channel_address_a_staff_app_that_cannot_reach_the_issuer_sends_nobody_to_sign_in()
    {
        await using var app = new BackchannelStaffApp(Issuer, backchannel: null);
        using var staffBrowser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        using var response = await staffBrowser.GetAsync("/");

        // The discovery document cannot be read: the error page, not a redirect to the provider.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    /// <summary>A browser at the provider: the authorization request, the sign-in form, back to authorize; the redirect to the staff app, unfollowed.</summary>
    private async Task<Uri> SignInAtProviderAsync(Uri authorize)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

        // The browser's address is the issuer's; its port mapping leads to the provider's port.
        Uri Mapped(Uri url) => url.IsAbsoluteUri && url.Port == publicPort ? new UriBuilder(url) { Port = providerPort }.Uri : new Uri(Inside, url);

        var response = await browser.GetAsync(Mapped(authorize));
        for (var hops = 0; hops < 10; hops++)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var page = await response.Content.ReadAsStringAsync();
                var fields = HiddenField().Matches(page).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
                fields["email"] = Email;
                fields["password"] = Password;
                response.Dispose();
                response = await browser.PostAsync(new Uri(Inside, "/account/signin"), new FormUrlEncodedContent(fields));
                continue;
            }

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var location = response.Headers.Location!;
            response.Dispose();
            if (location.IsAbsoluteUri && location.Host == "localhost")
            {
                return location;
            }

            response = await browser.GetAsync(Mapped(location));
        }

        throw new InvalidOperationException("More than 10 steps at the provider.");
    }

    /// <summary>The session cookie's value from a response, put together from its chunks when the session is large.</summary>
    private static string SessionCookie(HttpResponseMessage response)
    {
        var cookies = response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0].Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var value = cookies[StaffSessionCookie];
        return value.StartsWith("chunks-", StringComparison.Ordinal)
            ? string.Concat(Enumerable.Range(1, int.Parse(value["chunks-".Length..], System.Globalization.CultureInfo.InvariantCulture)).Select(i => cookies[$"{StaffSessionCookie}C{i}"]))
            : value;
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();

    /// <summary>The staff app in memory (http://localhost), its authority the issuer, with or without a back-channel address.</summary>
    private sealed class BackchannelStaffApp(Uri authority, Uri? backchannel) : WebApplicationFactory<staff::Program>
    {
        public AuthenticationTicket? Ticket(string cookie) =>
            Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat.Unprotect(cookie);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("StaffAuth:Authority", authority.ToString());
            if (backchannel is not null)
            {
                builder.UseSetting("StaffAuth:BackchannelAddress", backchannel.ToString());
            }
        }
    }
}
