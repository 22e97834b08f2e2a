using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Forum.Staff.SignIn;

/// <summary>Where staff sign in (<c>StaffAuth</c>): the alliance's identity provider, or the local one of ./forum run.</summary>
public sealed class StaffAuthOptions
{
    public const string Section = "StaffAuth";

    /// <summary>The provider's issuer; its discovery document gives every endpoint.</summary>
    public string Authority { get; set; } = "";

    public string ClientId { get; set; } = "forum-staff";

    /// <summary>Only for a provider that registers the staff app as a confidential client; PKCE is used either way.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The scope that puts the API's audience in the access token.</summary>
    public string ApiScope { get; set; } = "forum-api";

    /// <summary>The ID token's claim holding the person's roles (<c>organiser</c>, <c>protocol</c>).</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The longest a session lasts, however active: then the person signs in again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(10);

    /// <summary>How long before its expiry an access token is exchanged for a new one.</summary>
    public TimeSpan RefreshBefore { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Where this app reaches the provider's origin when that is not where browsers reach it (<c>http://identity:8080/</c>
    /// in compose): discovery, keys, token and userinfo requests go there; the authority, the tokens' issuer and the
    /// browser's redirects stay public. Unset: the authority's own address.
    /// </summary>
    public string? BackchannelAddress { get; set; }
}

public static class StaffRoles
{
    public const string Organiser = "organiser";
    public const string Protocol = "protocol";
}

/// <summary>
/// Staff sign-in: OpenID Connect's authorization code flow with PKCE, then a cookie session holding the person's tokens
/// (encrypted with data-protection keys, which every replica shares). The access token is renewed through the refresh
/// token shortly before it expires; a refresh the provider refuses ends the session. Sign-out ends it at the provider too.
/// </summary>
public static partial class StaffSignIn
{
    public const string CookieName = "forum-staff";

    public static IServiceCollection AddStaffSignIn(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = configuration.GetSection(StaffAuthOptions.Section).Get<StaffAuthOptions>() ?? new StaffAuthOptions();
        if (string.IsNullOrWhiteSpace(settings.Authority))
        {
            throw new InvalidOperationException("StaffAuth:Authority is not set: the identity provider staff sign in with (./forum run starts a local one).");
        }

        if (!Uri.TryCreate(settings.Authority, UriKind.Absolute, out var authority))
        {
            throw new InvalidOperationException("StaffAuth:Authority must be the identity provider's issuer, an absolute URL.");
        }

        Uri? backchannel = null;
        if (!string.IsNullOrWhiteSpace(settings.BackchannelAddress))
        {
            if (BackchannelAddressHandler.Problem("StaffAuth:BackchannelAddress", authority, settings.BackchannelAddress) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }

            backchannel = new Uri(settings.BackchannelAddress);
        }

        services.AddOptions<StaffAuthOptions>().Bind(configuration.GetSection(StaffAuthOptions.Section));
        // The refresh of an access token, at the provider's token endpoint: a server-to-server request like the handler's.
        services.AddHttpClient(nameof(StaffSignIn), http => http.Timeout = TimeSpan.FromSeconds(10))
            .AddHttpMessageHandler(() => new BackchannelAddressHandler(authority, backchannel));
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = environment.IsDevelopment() || environment.IsEnvironment("Testing") ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                o.ExpireTimeSpan = settings.SessionLifetime;
                o.SlidingExpiration = false;
                o.AccessDeniedPath = "/forbidden";
                o.Events.OnValidatePrincipal = RefreshAsync;
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = settings.Authority;
                o.RequireHttpsMetadata = !IsLoopbackHttp(settings.Authority);
                if (backchannel is not null)
                {
                    // Discovery, keys and the code's redemption through the back-channel address.
                    o.BackchannelHttpHandler = new BackchannelAddressHandler(authority, backchannel) { InnerHandler = new HttpClientHandler() };
                }

                o.ClientId = settings.ClientId;
                o.ClientSecret = settings.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                o.SaveTokens = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "email", "roles", "offline_access", settings.ApiScope })
                {
                    o.Scope.Add(scope);
                }

                o.TokenValidationParameters.NameClaimType = "name";
                o.TokenValidationParameters.RoleClaimType = settings.RoleClaim;
                // The code comes back in the query of a top-level GET, so the correlation and nonce cookies can be Lax (a
                // form_post answer would need SameSite=None, which browsers only accept with Secure).
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                // At the root too: a sign-in begun on a French page (/fr is a path base) returns to /signin-oidc.
                o.CorrelationCookie.Path = "/";
                o.NonceCookie.Path = "/";
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SignedOutRedirectUri = "/signed-out";
                // The provider's callbacks are at the root whatever the page's language (/fr is a path base here), so that
                // one redirect URI and one post-logout URI are registered with the provider.
                o.Events.OnRedirectToIdentityProvider = context =>
                {
                    context.ProtocolMessage.RedirectUri = Root(context.Request) + o.CallbackPath;
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToIdentityProviderForSignOut = context =>
                {
                    context.ProtocolMessage.PostLogoutRedirectUri = Root(context.Request) + o.SignedOutCallbackPath;
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = context =>
                {
                    // A sign-in cancelled or refused at the provider: a plain page, not an exception. The handler's message
                    // names the protocol error (never a token or a code), which is what an operator needs.
                    SignInFailed(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StaffSignIn)), context.Failure?.Message ?? "unknown");
                    context.Response.Redirect("/signed-out?failed=true");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(StaffRoles.Organiser, p => p.RequireRole(StaffRoles.Organiser))
            .AddPolicy(StaffRoles.Protocol, p => p.RequireRole(StaffRoles.Protocol));
        return services;
    }

    /// <summary>Signs out of the app and, through the provider's end-session endpoint, out of the provider.</summary>
    public static Microsoft.AspNetCore.Mvc.SignOutResult SignOutEverywhere(Microsoft.AspNetCore.Mvc.RazorPages.PageModel page) =>
        page.SignOut(new AuthenticationProperties { RedirectUri = "/signed-out" }, CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme);

    /// <summary>The person's own access token, for the API.</summary>
    public static Task<string?> AccessTokenAsync(HttpContext http) => http.GetTokenAsync("access_token");

    private static string Root(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static bool IsLoopbackHttp(string authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
        && (uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)));

    private static async Task RefreshAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var settings = services.GetRequiredService<IOptions<StaffAuthOptions>>().Value;
        var expiresAt = context.Properties.GetTokenValue("expires_at");
        if (expiresAt is null || !DateTimeOffset.TryParse(expiresAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires)
            || expires - time.GetUtcNow() > settings.RefreshBefore)
        {
            return;
        }

        var refreshToken = context.Properties.GetTokenValue("refresh_token");
        var renewed = refreshToken is null ? null : await RedeemAsync(context.HttpContext, settings, refreshToken);
        if (renewed is null)
        {
            // Refused, or no refresh token: the session ends, and the next page asks to sign in again.
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }

        context.Properties.UpdateTokenValue("access_token", renewed.AccessToken);
        if (renewed.RefreshToken is not null)
        {
            context.Properties.UpdateTokenValue("refresh_token", renewed.RefreshToken);
        }

        context.Properties.UpdateTokenValue("expires_at", time.GetUtcNow().AddSeconds(renewed.ExpiresIn).ToString("o", CultureInfo.InvariantCulture));
        context.ShouldRenew = true;
    }

    private sealed record TokenResponse(string AccessToken, string? RefreshToken, int ExpiresIn);

    private static async Task<TokenResponse?> RedeemAsync(HttpContext http, StaffAuthOptions settings, string refreshToken)
    {
        var services = http.RequestServices;
        var oidc = services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OpenIdConnectDefaults.AuthenticationScheme);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StaffSignIn));
        try
        {
            var configuration = await oidc.ConfigurationManager!.GetConfigurationAsync(http.RequestAborted);
            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["client_id"] = settings.ClientId,
            };
            if (!string.IsNullOrEmpty(settings.ClientSecret))
            {
                form["client_secret"] = settings.ClientSecret;
            }

            using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(StaffSignIn));
            using var response = await client.PostAsync(configuration.TokenEndpoint, new FormUrlEncodedContent(form), http.RequestAborted);
            if (!response.IsSuccessStatusCode)
            {
                // The status only: the answer may echo what was sent.
                RefreshRefused(logger, (int)response.StatusCode);
                return null;
            }

            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(http.RequestAborted), cancellationToken: http.RequestAborted);
            var root = json.RootElement;
            return new TokenResponse(
                root.GetProperty("access_token").GetString()!,
                root.TryGetProperty("refresh_token", out var r) ? r.GetString() : null,
                root.TryGetProperty("expires_in", out var e) ? e.GetInt32() : 300);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            RefreshFailed(logger, e.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A sign-in through the identity provider failed: {Reason}")]
    private static partial void SignInFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The identity provider refused a refresh ({Status}); the session ends")]
    private static partial void RefreshRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The identity provider could not renew a session's access token: {Reason}")]
    private static partial void RefreshFailed(ILogger logger, string reason);

    /// <summary>The person as the pages name them.</summary>
    public static string DisplayName(this ClaimsPrincipal user) => user.FindFirstValue("name") ?? user.FindFirstValue("email") ?? user.FindFirstValue("sub") ?? "?";
}
