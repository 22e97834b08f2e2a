using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Forum.Api.Infrastructure;

/// <summary>Staff sign-in through the alliance's own identity provider (<c>Auth:Oidc</c>); off while no issuer is set.</summary>
public sealed class OidcOptions
{
    public const string Section = "Auth:Oidc";

    /// <summary>The issuer exactly as its tokens and discovery document name it; keys come from its discovery document.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience the identity provider puts in access tokens meant for this API.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim holding the roles, a string or an array; a dotted path reaches into objects (<c>realm_access.roles</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>
    /// Our role → the role claim's values that grant it (<c>Auth:Oidc:Roles:organiser:0=Forum.Organiser</c>). When empty,
    /// the values <c>organiser</c> and <c>protocol</c> grant themselves; when set, only the mapped values count.
    /// </summary>
    public Dictionary<string, string[]> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Where this API reaches the issuer's origin when that is not where browsers reach it (<c>http://identity:8080/</c>
    /// in compose): the discovery document and the keys are fetched there, the issuer stays the public one. Unset: the
    /// issuer's own address.
    /// </summary>
    public string? BackchannelAddress { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The least time between two fetches of the keys, however many unknown key ids arrive meanwhile.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long fetched keys are trusted before they are fetched again (so that withdrawn keys stop working).</summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The timeout of each request to the identity provider.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Issuer);

    public bool HasBackchannel => !string.IsNullOrWhiteSpace(BackchannelAddress);

    public static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>Why these settings cannot work, or null; checked at start so a mistake stops the process, not every sign-in.</summary>
    public string? Problem()
    {
        if (!IsConfigured)
        {
            return null;
        }

        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || !IsAllowedUrl(issuer))
        {
            return "Auth:Oidc:Issuer must be an https URL (http only for a loopback address).";
        }

        if (HasBackchannel && BackchannelAddressHandler.Problem("Auth:Oidc:BackchannelAddress", issuer, BackchannelAddress!) is { } backchannel)
        {
            return backchannel;
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            return "Auth:Oidc:Audience is not set: tokens for other services of the identity provider would be accepted.";
        }

        if (string.IsNullOrWhiteSpace(RoleClaim))
        {
            return "Auth:Oidc:RoleClaim is empty.";
        }

        if (Roles.Keys.FirstOrDefault(r => r is not (Infrastructure.Roles.Organiser or Infrastructure.Roles.Protocol)) is { } unknown)
        {
            return $"Auth:Oidc:Roles:{unknown} names no role of ours (organiser, protocol).";
        }

        return KeyRefreshInterval <= TimeSpan.Zero || Timeout <= TimeSpan.Zero || ClockSkew < TimeSpan.Zero
            ? "Auth:Oidc:KeyRefreshInterval and Timeout must be positive, ClockSkew not negative."
            : null;
    }

    /// <summary>https, or http to this machine (a local identity provider in development and tests).</summary>
    public static bool IsAllowedUrl(Uri url) => BackchannelAddressHandler.IsHttpsOrLoopbackHttp(url);

    /// <summary>Our roles granted by the role claim's values.</summary>
    public IEnumerable<string> MapRoles(IEnumerable<string> values)
    {
        var granted = values.ToHashSet(StringComparer.Ordinal);
        if (Roles.Count == 0)
        {
            return new[] { Infrastructure.Roles.Organiser, Infrastructure.Roles.Protocol }.Where(granted.Contains);
        }

        return Roles.Where(r => r.Value.Any(granted.Contains)).Select(r => r.Key.ToLowerInvariant());
    }
}

/// <summary>Stops the start on settings that cannot work, naming the setting.</summary>
public sealed class OidcOptionsValidator : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

/// <summary>
/// The identity provider's signing keys, from its discovery document and JWKS, cached per process, and given to JwtBearer
/// as its configuration. Fetched when first needed, again when a token names a key id we do not know (the provider
/// rotated its keys: the request that brings it waits for the fetch, so it is accepted at once) and when the keys are
/// older than <see cref="OidcOptions.KeyLifetime"/>; never more often than <see cref="OidcOptions.KeyRefreshInterval"/>,
/// so a flood of tokens with made-up key ids costs the provider one request per interval, and callers who need a
/// refresh while one runs wait for that one. When a fetch fails, the keys we had stay in use; a fetch that succeeds
/// replaces them all, so a key the provider withdrew stops working (no "last known good" keys).
/// </summary>
/// <remarks>
/// Not Microsoft's <c>ConfigurationManager</c>: it refetches after any bad signature (a tampered token would cost the
/// provider a request), keeps last-known-good keys, reads the system clock only, and blocks on a refresh only through a
/// process-wide switch. Not a <c>BaseConfigurationManager</c> either, so that JwtBearer takes the keys from
/// <see cref="GetConfigurationAsync"/> and never retries with older ones.
/// </remarks>
public sealed class OidcSigningKeys(IHttpClientFactory httpClients, IOptionsMonitor<OidcOptions> options, TimeProvider time, ILogger<OidcSigningKeys> logger)
    : IConfigurationManager<OpenIdConnectConfiguration>
{
    public const string HttpClientName = "oidc";

    private readonly Lock gate = new();
    private volatile KeySet current = new([], null, null);
    private DateTimeOffset? lastFetch;
    private Task<KeySet>? fetching;

    private sealed record KeySet(IReadOnlyList<JsonWebKey> Keys, DateTimeOffset? FetchedAt, OpenIdConnectConfiguration? Configuration);

    /// <summary>The keys of the token's type (RSA for RS256, P-256 for ES256) with its key id, or all of that type when it names none.</summary>
    public async Task<IReadOnlyList<SecurityKey>> FindAsync(string? keyId, string algorithm, CancellationToken ct)
    {
        var keys = current;
        var found = Match(keys.Keys, keyId, algorithm);
        if (found.Count > 0 && !IsStale(keys))
        {
            return found;
        }

        return Match((await RefreshAsync(ct)).Keys, keyId, algorithm);
    }

    /// <summary>The keys as JwtBearer validates with them: those fetched last, fetched first when there are none yet or they are stale.</summary>
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var keys = current;
        if (IsStale(keys))
        {
            keys = await RefreshAsync(cancel);
        }

        // Never an exception: JwtBearer would answer 500; no keys refuse every token with 401 instead.
        return keys.Configuration ?? new OpenIdConnectConfiguration { Issuer = options.CurrentValue.Issuer };
    }

    /// <summary>Marks the keys stale, so that the next token fetches them (within the refresh interval's limit).</summary>
    public void RequestRefresh()
    {
        lock (gate)
        {
            current = current with { FetchedAt = null };
        }
    }

    private bool IsStale(KeySet keys) => keys.FetchedAt is not { } at || time.GetUtcNow() - at >= options.CurrentValue.KeyLifetime;

    private Task<KeySet> RefreshAsync(CancellationToken ct)
    {
        lock (gate)
        {
            if (fetching is { IsCompleted: false } running)
            {
                return running.WaitAsync(ct);
            }

            var now = time.GetUtcNow();
            if (lastFetch is { } last && now - last < options.CurrentValue.KeyRefreshInterval)
            {
                return Task.FromResult(current);
            }

            lastFetch = now;

            // Not the request's token: the callers who joined it must not lose it when the first one goes away.
            fetching = FetchAsync();
            return fetching.WaitAsync(ct);
        }
    }

    private async Task<KeySet> FetchAsync()
    {
        var o = options.CurrentValue;
        try
        {
            // Through the back-channel address when one is set (BackchannelAddressHandler in this client's pipeline).
            var client = httpClients.CreateClient(HttpClientName);
            using var cancel = new CancellationTokenSource(o.Timeout);
            string jwksUri;
            using (var discovery = JsonDocument.Parse(await client.GetStringAsync(o.Issuer!.TrimEnd('/') + "/.well-known/openid-configuration", cancel.Token)))
            {
                // OpenID Connect Discovery 1.0, 4.3: the document must name the issuer we asked.
                if (discovery.RootElement.GetProperty("issuer").GetString() != o.Issuer)
                {
                    throw new InvalidDataException("the discovery document names another issuer");
                }

                jwksUri = discovery.RootElement.GetProperty("jwks_uri").GetString() ?? "";
                if (!Uri.TryCreate(jwksUri, UriKind.Absolute, out var uri) || !OidcOptions.IsAllowedUrl(uri))
                {
                    throw new InvalidDataException("the discovery document's jwks_uri is not an https URL");
                }
            }

            var set = new JsonWebKeySet(await client.GetStringAsync(jwksUri, cancel.Token));
            var keys = set.Keys.Where(Usable).ToList();
            var configuration = new OpenIdConnectConfiguration { Issuer = o.Issuer, JwksUri = jwksUri };
            foreach (var key in keys)
            {
                configuration.SigningKeys.Add(key);
            }

            var fetched = new KeySet(keys, time.GetUtcNow(), configuration);
            lock (gate)
            {
                current = fetched;
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Fetched {Count} signing keys of {Issuer}", keys.Count, o.Issuer);
            }

            return fetched;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or InvalidDataException
            or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            // The kind of failure only: the provider's answer is not ours to copy into logs.
            if (logger.IsEnabled(LogLevel.Warning))
            {
                logger.LogWarning("The signing keys of {Issuer} could not be fetched ({Failure}); the keys fetched before stay in use", o.Issuer, e.GetType().Name);
            }

            return current;
        }
    }

    /// <summary>Signing keys we can use for RS256 or ES256: never a symmetric key, whatever the JWKS says.</summary>
    private static bool Usable(JsonWebKey key) =>
        (key.Use is null or "" or JsonWebKeyUseNames.Sig)
        && (key.Alg is null or "" or SecurityAlgorithms.RsaSha256 or SecurityAlgorithms.EcdsaSha256)
        && (key.Kty == JsonWebAlgorithmsKeyTypes.RSA || (key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && key.Crv == JsonWebKeyECTypes.P256));

    /// <summary>The keys of the algorithm's type with the key id (all of that type when the token names none): no other key is tried in its place.</summary>
    public static List<SecurityKey> Match(IEnumerable<SecurityKey>? keys, string? keyId, string algorithm)
    {
        var type = algorithm == SecurityAlgorithms.RsaSha256 ? JsonWebAlgorithmsKeyTypes.RSA : JsonWebAlgorithmsKeyTypes.EllipticCurve;
        return (keys ?? []).OfType<JsonWebKey>().Where(k => k.Kty == type && (string.IsNullOrEmpty(keyId) || k.Kid == keyId)).Cast<SecurityKey>().ToList();
    }
}

/// <summary>
/// The JwtBearer scheme of OpenID Connect access tokens of the configured issuer: RS256 or ES256 only, signature by the
/// issuer's published keys (<see cref="OidcSigningKeys"/>), issuer, audience and lifetime (with
/// <see cref="OidcOptions.ClockSkew"/>, by the app's clock); the roles come from <see cref="OidcOptions.RoleClaim"/>.
/// The algorithm and the issuer are checked before any key is looked for, so that neither alg none, nor HS256 with a
/// public key as its secret, nor another issuer's token can make us fetch keys.
/// </summary>
public static class OidcTokenHandler
{
    public const string SchemeName = "Oidc";

    public static void Configure(JwtBearerOptions o, OidcOptions oidc, OidcSigningKeys keys, TimeProvider time)
    {
        o.MapInboundClaims = false;
        o.ConfigurationManager = keys;

        // An unknown key id is fetched for before validation (OnMessageReceived), once per interval: nothing to ask after.
        o.RefreshOnIssuerKeyNotFound = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = oidc.Issuer,
            ValidAudience = oidc.Audience,
            ValidAlgorithms = OidcOptions.Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,

            // The key with the token's key id, or none: a token naming an unknown id is not checked against other keys.
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, token, keyId, parameters) => OidcSigningKeys.Match(parameters.IssuerSigningKeys, keyId, ((JsonWebToken)token).Alg),

            // Our clock, not DateTime.UtcNow: the lifetime is checked here, with the skew.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } end && now <= end + oidc.ClockSkew && (notBefore is not { } start || start - oidc.ClockSkew <= now);
            },
        };
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = async context =>
            {
                if (BearerTokens.From(context.Request) is not { } raw)
                {
                    context.NoResult();
                    return;
                }

                JsonWebToken token;
                try
                {
                    token = new JsonWebToken(raw);
                    if (!OidcOptions.Algorithms.Contains(token.Alg, StringComparer.Ordinal))
                    {
                        context.Fail("unexpected algorithm");
                        return;
                    }

                    if (token.Issuer != oidc.Issuer)
                    {
                        context.Fail("not from the configured issuer");
                        return;
                    }
                }
                catch (Exception e) when (e is ArgumentException or SecurityTokenException)
                {
                    context.Fail("malformed token");
                    return;
                }

                // A key id we do not hold: fetched now (at most once per interval), so a rotated key works at its first token.
                await keys.FindAsync(token.Kid, token.Alg, context.HttpContext.RequestAborted);
                context.Token = raw;
            },
            OnTokenValidated = context => BearerTokens.ValidatedAsync(context, SchemeName, payload => oidc.MapRoles(RoleValues(payload, oidc.RoleClaim))),
            OnChallenge = BearerTokens.ChallengeAsync,
            OnForbidden = BearerTokens.ForbiddenAsync,
        };
    }

    /// <summary>The role claim's values: the claim by its full name, else by its dotted path; a string or an array of strings.</summary>
    public static IEnumerable<string> RoleValues(JsonElement payload, string claim)
    {
        if (!payload.TryGetProperty(claim, out var value))
        {
            value = payload;
            foreach (var step in claim.Split('.'))
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(step, out value))
                {
                    return [];
                }
            }
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList(),
            _ => [],
        };
    }
}

/// <summary>What both JwtBearer schemes share: the token from the header, the principal we make of it, and the problems they answer.</summary>
public static class BearerTokens
{
    /// <summary>The bearer token of the request, or null.</summary>
    public static string? From(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header["Bearer ".Length..].Trim() is { Length: > 0 } token ? token : null;
    }

    /// <summary>
    /// The person a validated token names, as the API's authorization reads them: subject, display name (the history
    /// names people by it) and our roles; null when the token names no subject.
    /// </summary>
    /// <summary>Puts our principal (subject, name, roles) in place of the handler's, or fails a token without a subject.</summary>
    public static Task ValidatedAsync(TokenValidatedContext context, string scheme, Func<JsonElement, IEnumerable<string>> roles)
    {
        if (Principal(scheme, (JsonWebToken)context.SecurityToken, roles) is { } principal)
        {
            context.Principal = principal;
        }
        else
        {
            context.Fail("no subject");
        }

        return Task.CompletedTask;
    }

    public static ClaimsPrincipal? Principal(string scheme, JsonWebToken token, Func<JsonElement, IEnumerable<string>> roles)
    {
        var subject = token.Subject;
        if (string.IsNullOrEmpty(subject))
        {
            return null;
        }

        using var claims = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        var payload = claims.RootElement;
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject));
        identity.AddClaim(new Claim(ClaimTypes.Name, Text(payload, "name") ?? Text(payload, "preferred_username") ?? subject));
        foreach (var role in roles(payload))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }

        return new ClaimsPrincipal(identity);
    }

    private static string? Text(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>401 as every other refusal of the API: a problem with the code <c>unauthenticated</c>, whatever the reason.</summary>
    public static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Authentication required", "This route needs a valid bearer token.", "unauthenticated");
    }

    public static Task ForbiddenAsync(ForbiddenContext context) =>
        WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "Your token does not carry the role this route needs.", "forbidden");

    private static async Task WriteAsync(HttpContext http, int status, string title, string detail, string code)
    {
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        });
    }
}
