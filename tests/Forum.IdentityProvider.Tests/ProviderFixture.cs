using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Forum.IdentityProvider.Tests;

/// <summary>
/// A running provider on Kestrel (a real port, its issuer that address), with accounts and clients given in
/// configuration. Tests talk to it over HTTP only, as a browser (<see cref="Browser"/>) and as a client application.
/// </summary>
public sealed class ProviderFixture : IAsyncLifetime
{
    public const string OrganiserEmail = "olivia@forum.test";
    public const string OrganiserPassword = "organiser-password-1";
    public const string ChiefEmail = "chiara@forum.test";
    public const string ChiefPassword = "chief-password-2";
    public const string PublicClient = "forum-staff";
    public const string ConfidentialClient = "forum-batch";
    public const string ConfidentialSecret = "batch-secret-3";

    /// <summary>Nothing listens there: the test reads the redirect to it.</summary>
    public const string RedirectUri = "http://127.0.0.1:1/signin-oidc";
    public const string PostLogoutRedirectUri = "http://127.0.0.1:1/signout-callback-oidc";

    private WebApplication? _app;

    public Uri Issuer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (_app, Issuer) = await StartAsync([
            $"--IdentityProvider:Accounts:0:Email={OrganiserEmail}",
            "--IdentityProvider:Accounts:0:Name=Olivia Organiser",
            $"--IdentityProvider:Accounts:0:Password={OrganiserPassword}",
            "--IdentityProvider:Accounts:0:Roles:0=organiser",
            $"--IdentityProvider:Accounts:1:Email={ChiefEmail}",
            "--IdentityProvider:Accounts:1:Name=Chiara Chief",
            $"--IdentityProvider:Accounts:1:Password={ChiefPassword}",
            "--IdentityProvider:Accounts:1:Roles:0=organiser",
            "--IdentityProvider:Accounts:1:Roles:1=protocol",
            $"--IdentityProvider:Clients:0:ClientId={PublicClient}",
            $"--IdentityProvider:Clients:0:RedirectUris:0={RedirectUri}",
            $"--IdentityProvider:Clients:0:PostLogoutRedirectUris:0={PostLogoutRedirectUri}",
            $"--IdentityProvider:Clients:1:ClientId={ConfidentialClient}",
            $"--IdentityProvider:Clients:1:ClientSecret={ConfidentialSecret}",
            $"--IdentityProvider:Clients:1:RedirectUris:0={RedirectUri}",
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts a provider on a free port of its own, its issuer that address unless <paramref name="issuer"/> names
    /// another (the address browsers would use, as in compose); the caller stops it.
    /// </summary>
    public static async Task<(WebApplication App, Uri Issuer)> StartAsync(IEnumerable<string> settings, int? port = null, Uri? issuer = null)
    {
        // The issuer must be known before the start, so the port is chosen here rather than by Kestrel (port 0).
        port ??= FreePort();
        issuer ??= new Uri($"http://127.0.0.1:{port}/");
        var app = IdentityProviderHost.Build([
            $"--urls=http://127.0.0.1:{port}",
            $"--IdentityProvider:Issuer={issuer}",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ]);
        await app.StartAsync();
        return (app, issuer);
    }

    public Browser NewBrowser() => new(Issuer);

    public HttpClient NewClient() => new() { BaseAddress = Issuer };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ProviderCollection : ICollectionFixture<ProviderFixture>
{
    public const string Name = "provider";
}

/// <summary>PKCE (RFC 7636) as a client computes it, independent of the provider's code.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce New()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

/// <summary>
/// A browser: its own cookies, redirects followed by hand so that the one to the client's redirect_uri (where
/// nothing listens) is read rather than followed.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly HttpClient _http;

    public Browser(Uri provider)
    {
        Provider = provider;
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies, UseCookies = true })
        {
            BaseAddress = provider,
        };
    }

    public Uri Provider { get; }

    public CookieContainer Cookies { get; }

    public bool HasSession => Cookies.GetCookies(Provider).Any(c => c.Name == ".forum-identity.session");

    public void Dispose() => _http.Dispose();

    public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(url);

    /// <summary>Follows redirects within the provider; stops at a page, or at a redirect elsewhere (returned unfollowed).</summary>
    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10; hops++)
        {
            if ((int)response.StatusCode is < 300 or >= 400 || response.Headers.Location is not { } location)
            {
                return response;
            }

            var next = location.IsAbsoluteUri ? location : new Uri(Provider, location);
            if (next.GetLeftPart(UriPartial.Authority) != Provider.GetLeftPart(UriPartial.Authority))
            {
                return response;
            }

            response.Dispose();
            response = await _http.GetAsync(next);
        }

        throw new InvalidOperationException("More than 10 redirects.");
    }

    /// <summary>Posts the sign-in form shown in <paramref name="page"/>, with its antiforgery token and returnUrl.</summary>
    public async Task<HttpResponseMessage> PostSignInAsync(string page, string email, string password)
    {
        var fields = HiddenFields(page);
        fields["email"] = email;
        fields["password"] = password;
        return await _http.PostAsync("/account/signin", new FormUrlEncodedContent(fields));
    }

    public static Dictionary<string, string> HiddenFields(string page) =>
        HiddenField().Matches(page).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();
}

/// <summary>The client application's side of the code flow: the authorization request, then the token request.</summary>
public static class CodeFlow
{
    public const string AllScopes = "openid profile email roles offline_access forum-api";

    public static string AuthorizeUrl(Pkce? pkce, string clientId = ProviderFixture.PublicClient, string redirectUri = ProviderFixture.RedirectUri,
        string state = "state-1", string scope = AllScopes, string? extra = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = state,
            ["nonce"] = "nonce-1",
        };
        if (pkce is not null)
        {
            query["code_challenge"] = pkce.Challenge;
            query["code_challenge_method"] = "S256";
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query) + (extra ?? "");
    }

    /// <summary>Authorize, sign in on the form, back to authorize: the redirect to the client's redirect_uri, unfollowed.</summary>
    public static async Task<Uri> SignInAsync(Browser browser, string authorizeUrl, string email, string password)
    {
        using var signInPage = await browser.FollowAsync(await browser.GetAsync(authorizeUrl));
        Assert.Equal(HttpStatusCode.OK, signInPage.StatusCode);
        Assert.Equal("/account/signin", signInPage.RequestMessage!.RequestUri!.AbsolutePath);
        using var afterForm = await browser.FollowAsync(await browser.PostSignInAsync(await signInPage.Content.ReadAsStringAsync(), email, password));
        Assert.Equal(HttpStatusCode.Redirect, afterForm.StatusCode);
        return afterForm.Headers.Location!;
    }

    public static Dictionary<string, string> Query(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public static async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(HttpClient client, Dictionary<string, string> form)
    {
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    public static Dictionary<string, string> CodeRequest(string code, Pkce pkce, string clientId = ProviderFixture.PublicClient) => new()
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = ProviderFixture.RedirectUri,
        ["client_id"] = clientId,
        ["code_verifier"] = pkce.Verifier,
    };

    /// <summary>Verifies a token as the Forum API would: signature against the published JWKS, issuer, audience, lifetime.</summary>
    public static async Task<TokenValidationResult> VerifyAsync(HttpClient client, string token, Uri issuer, string? audience)
    {
        var jwks = new JsonWebKeySet(await client.GetStringAsync("/.well-known/jwks"));
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer.ToString(),
            ValidAudience = audience,
            ValidateAudience = audience is not null,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
    }
}
