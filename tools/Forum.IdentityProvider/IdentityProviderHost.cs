using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Forum.IdentityProvider;

/// <summary>
/// The local OpenID Connect provider, standing in for the alliance's own (as the local SendGrid stands in for
/// SendGrid): discovery, JWKS, authorization code flow with PKCE (S256), refresh tokens, RP-initiated logout and
/// userinfo, served by OpenIddict in degraded mode (no database: codes and refresh tokens are self-contained and
/// encrypted). Tests may start it in process with <see cref="Build"/> (e.g. <c>--urls http://127.0.0.1:0</c>) and
/// talk to it over HTTP.
/// </summary>
public static partial class IdentityProviderHost
{
    public const int DefaultPort = 5083;

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = builder.Configuration.GetSection("IdentityProvider").Get<IdentityProviderOptions>() ?? new IdentityProviderOptions();
        if (options.Clients.Count == 0)
        {
            options.Clients.Add(ClientOptions.DefaultClient());
        }

        if (options.Port is int port)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{DefaultPort}");
        }

        // Read (or made) before anything listens: a missing or broken file stops the start with its reason.
        var keys = ProviderKeys.Load(options.KeysPath);
        var accounts = AccountStore.Load(options);
        var clients = new ClientRegistry(options.Clients);

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // OpenIddict logs whole requests at Information; it masks codes, tokens and secrets, but a request log is noise here.
        builder.Logging.AddFilter("OpenIddict", LogLevel.Warning);
        // The data protection keys are in the provider's own folder (0700); its warning that they are not encrypted
        // at rest is about a folder nobody else reads.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(accounts);
        builder.Services.AddSingleton(clients);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddAntiforgery(o => o.Cookie.Name = ".forum-identity.antiforgery");

        // The session cookie and the antiforgery tokens are protected with data protection keys: kept beside the
        // signing key, a restart signs nobody out and no open form goes stale.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("Forum.IdentityProvider");
        if (keys.Persisted)
        {
            var folder = Path.Combine(options.KeysPath!, "data-protection");
            PrivateFile.CreateFolder(folder);
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(folder));
        }

        builder.Services.AddAuthentication(ConnectEndpoints.SessionScheme)
            .AddCookie(ConnectEndpoints.SessionScheme, cookie =>
            {
                cookie.Cookie.Name = ".forum-identity.session";
                cookie.Cookie.HttpOnly = true;
                // Lax: the cookie goes with a client's top-level redirect to /connect/authorize, not with cross-site posts.
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.LoginPath = "/account/signin";
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
            });

        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetConfigurationEndpointUris(".well-known/openid-configuration")
                .SetJsonWebKeySetEndpointUris(".well-known/jwks")
                .SetAuthorizationEndpointUris("connect/authorize")
                .SetTokenEndpointUris("connect/token")
                .SetEndSessionEndpointUris("connect/endsession")
                .SetUserInfoEndpointUris("connect/userinfo");
            if (options.Issuer is not null)
            {
                server.SetIssuer(options.Issuer);
                AnswerAtIssuer(server, options.Issuer);
            }

            server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();
            server.RequireProofKeyForCodeExchange();
            // S256 only: the plain method would hand the verifier to whoever sees the authorization request.
            // Clients authenticate with a secret or not at all: with no application store there are no client keys
            // to verify a client assertion (private_key_jwt) with, so it is neither offered nor accepted.
            server.Configure(o =>
            {
                o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
                o.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.PrivateKeyJwt);
                o.ClientAssertionTypes.Clear();
            });
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess, ConnectEndpoints.ApiScope);
            server.RegisterClaims(Claims.Subject, Claims.Name, Claims.Email, Claims.Role);

            // No database: OpenIddict checks nothing against an application store, ProtocolChecks does it instead.
            server.EnableDegradedMode();
            ProtocolChecks.Register(server, clients);

            // JWTs the Forum API verifies with the published key (encrypted, it could not read them).
            server.DisableAccessTokenEncryption();
            server.SetAccessTokenLifetime(options.AccessTokenLifetime);
            server.AddSigningKey(keys.Signing);
            server.AddEncryptionKey(keys.Encryption);

            server.UseAspNetCore()
                // http: the provider runs on loopback or a private network, for development and tests only.
                .DisableTransportSecurityRequirement()
                .EnableAuthorizationEndpointPassthrough()
                .EnableTokenEndpointPassthrough()
                .EnableEndSessionEndpointPassthrough()
                .EnableUserInfoEndpointPassthrough();
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.MapConnectEndpoints();
        app.MapSignInPages();
        app.Lifetime.ApplicationStarted.Register(() => Started(app, options, keys, accounts, clients));
        return app;
    }

    /// <summary>
    /// Every request is taken as arriving at the issuer's address, whatever host it came to: compose's API and staff app
    /// reach the provider at <c>identity:8080</c> (their back-channel address), browsers at the issuer's, and the
    /// discovery document must name the endpoints browsers can follow (OpenIddict builds them from the request's host).
    /// </summary>
    private static void AnswerAtIssuer(OpenIddictServerBuilder server, Uri issuer)
    {
        Uri? AtIssuer(Uri? uri) => uri is null ? null : new UriBuilder(uri) { Scheme = issuer.Scheme, Host = issuer.Host, Port = issuer.Port }.Uri;
        server.AddEventHandler<OpenIddictServerEvents.ProcessRequestContext>(handler => handler
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ResolveRequestUri.Descriptor.Order + 500)
            .UseInlineHandler(context =>
            {
                context.BaseUri = AtIssuer(context.BaseUri);
                context.RequestUri = AtIssuer(context.RequestUri);
                return default;
            }));
    }

    private static void Started(WebApplication app, IdentityProviderOptions options, ProviderKeys keys, AccountStore accounts, ClientRegistry clients)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Forum.IdentityProvider");
        if (!log.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var urls = string.Join(", ", app.Urls);
        var issuer = options.Issuer?.ToString() ?? "each request's own address";
        var keySource = keys.Persisted ? $"kept in {options.KeysPath}" : "new at this start";
        var accountSource = accounts.CreatedFile ? $"{accounts.Source} (made now; the passwords are in it)" : accounts.Source;
        var clientIds = string.Join(", ", clients.All.Select(c => c.ClientId));
        LogStarted(log, urls, issuer, keys.Signing.KeyId, keySource, accounts.Accounts.Count, accountSource, clientIds);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Local identity provider on {Urls}: issuer {Issuer}; signing key {KeyId}, {KeySource}; {Count} accounts from {Accounts}; clients {Clients}")]
    private static partial void LogStarted(ILogger logger, string urls, string issuer, string keyId, string keySource, int count, string accounts, string clients);
}
