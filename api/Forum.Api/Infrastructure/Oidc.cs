using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
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

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The least time between two fetches of the keys, however many unknown key ids arrive meanwhile.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long fetched keys are trusted before they are fetched again (so that withdrawn keys stop working).</summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The timeout of each request to the identity provider.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Issuer);

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
    public static bool IsAllowedUrl(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && (url.IsLoopback || (IPAddress.TryParse(url.Host, out var ip) && IPAddress.IsLoopback(ip))));

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
/// The identity provider's signing keys, from its discovery document and JWKS, cached per process. Fetched when first
/// needed, again when a token names a key id we do not know (the provider rotated its keys) and when the keys are older
/// than <see cref="OidcOptions.KeyLifetime"/>; never more often than <see cref="OidcOptions.KeyRefreshInterval"/>, so a
/// flood of tokens with made-up key ids costs the provider one request per interval, and callers who need a refresh
/// while one runs wait for that one. When a fetch fails, the keys we had stay in use.
/// </summary>
public sealed class OidcSigningKeys(IHttpClientFactory httpClients, IOptionsMonitor<OidcOptions> options, TimeProvider time, ILogger<OidcSigningKeys> logger)
{
    public const string HttpClientName = "oidc";

    private readonly Lock gate = new();
    private volatile KeySet current = new([], null);
    private DateTimeOffset? lastFetch;
    private Task<KeySet>? fetching;

    private sealed record KeySet(IReadOnlyList<JsonWebKey> Keys, DateTimeOffset? FetchedAt);

    /// <summary>The keys of the token's type (RSA for RS256, P-256 for ES256) with its key id, or all of that type when it names none.</summary>
    public async Task<IReadOnlyList<SecurityKey>> FindAsync(string? keyId, string algorithm, CancellationToken ct)
    {
        var keys = current;
        var found = Match(keys, keyId, algorithm);
        var stale = keys.FetchedAt is not { } at || time.GetUtcNow() - at >= options.CurrentValue.KeyLifetime;
        if (found.Count > 0 && !stale)
        {
            return found;
        }

        return Match(await RefreshAsync(ct), keyId, algorithm);
    }

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
            var fetched = new KeySet(keys, time.GetUtcNow());
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

    private static List<SecurityKey> Match(KeySet keys, string? keyId, string algorithm)
    {
        var type = algorithm == SecurityAlgorithms.RsaSha256 ? JsonWebAlgorithmsKeyTypes.RSA : JsonWebAlgorithmsKeyTypes.EllipticCurve;
        return keys.Keys.Where(k => k.Kty == type && (string.IsNullOrEmpty(keyId) || k.Kid == keyId)).Cast<SecurityKey>().ToList();
    }
}

/// <summary>
/// Validates OpenID Connect access tokens of the configured issuer: RS256 or ES256 only, signature by the issuer's
/// published keys, issuer, audience and lifetime (with <see cref="OidcOptions.ClockSkew"/>); the roles come from
/// <see cref="OidcOptions.RoleClaim"/>. Failures name a reason, never a part of the token.
/// </summary>
public sealed class OidcTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptionsMonitor<OidcOptions> oidc, OidcSigningKeys keys, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Oidc";

    private static readonly JsonWebTokenHandler Tokens = new() { MapInboundClaims = false };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var o = oidc.CurrentValue;
        var header = Request.Headers.Authorization.ToString();
        if (!o.IsConfigured || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        JsonWebToken token;
        try
        {
            token = new JsonWebToken(header["Bearer ".Length..].Trim());
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return AuthenticateResult.Fail("malformed token");
        }

        // Checked before any key is looked for, so that neither alg none, nor HS256 with a public key as its secret,
        // nor another issuer's token can make us fetch keys.
        if (!OidcOptions.Algorithms.Contains(token.Alg, StringComparer.Ordinal))
        {
            return AuthenticateResult.Fail("unexpected algorithm");
        }

        if (token.Issuer != o.Issuer)
        {
            return AuthenticateResult.Fail("not from the configured issuer");
        }

        var candidates = await keys.FindAsync(token.Kid, token.Alg, Context.RequestAborted);
        if (candidates.Count == 0)
        {
            return AuthenticateResult.Fail("unknown signing key");
        }

        var result = await Tokens.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = o.Issuer,
            ValidAudience = o.Audience,
            ValidAlgorithms = OidcOptions.Algorithms,
            IssuerSigningKeys = candidates,
            RequireSignedTokens = true,
            RequireExpirationTime = true,

            // Our clock, not DateTime.UtcNow: the lifetime is checked here, with the skew.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } end && now <= end + o.ClockSkew && (notBefore is not { } start || start - o.ClockSkew <= now);
            },
        });
        if (!result.IsValid)
        {
            return AuthenticateResult.Fail(result.Exception switch
            {
                SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNoExpirationException => "expired or not yet valid",
                SecurityTokenInvalidAudienceException => "not for this service",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
                _ => "invalid token",
            });
        }

        var subject = token.Subject;
        if (string.IsNullOrEmpty(subject))
        {
            return AuthenticateResult.Fail("no subject");
        }

        using var claims = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        var payload = claims.RootElement;
        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject));
        identity.AddClaim(new Claim(ClaimTypes.Name, Text(payload, "name") ?? Text(payload, "preferred_username") ?? subject));
        foreach (var role in o.MapRoles(RoleValues(payload, o.RoleClaim)))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private static string? Text(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

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
