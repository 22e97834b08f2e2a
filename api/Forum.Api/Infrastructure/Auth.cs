using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Forum.Api.Infrastructure;

public static class Roles
{
    public const string Organiser = "organiser";
    public const string Protocol = "protocol";

    /// <summary>A delegation's focal point, by its access token.</summary>
    public const string FocalPoint = "focal-point";

    /// <summary>The policy of routes for organisers and protocol officers alike.</summary>
    public const string Staff = "staff";

    /// <summary>The policy of routes where a focal point acts for its own delegation and an organiser for any.</summary>
    public const string OrganiserOrFocalPoint = "organiser-or-focal-point";
}

/// <summary>The development tokens of <c>./forum token</c> (<c>Auth:SigningKey</c>, <c>Auth:DevelopmentTokens</c>).</summary>
public sealed class StaffTokenOptions
{
    /// <summary>HS256 key (base64); the launcher keeps one per FORUM_HOME, tests make their own.</summary>
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "forum";

    public string Audience { get; set; } = "forum";

    /// <summary>
    /// Whether development tokens are accepted (<c>Auth:DevelopmentTokens</c>): by default yes, except in Production
    /// when staff sign in through OpenID Connect, where a shared key that mints any role would be the weaker door.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The settings as configuration and the environment give them; a missing or short key stops the start.</summary>
    public static StaffTokenOptions From(IConfiguration configuration, IHostEnvironment environment)
    {
        var oidc = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        var options = new StaffTokenOptions
        {
            Enabled = configuration.GetValue<bool?>("Auth:DevelopmentTokens") ?? !(oidc.IsConfigured && environment.IsProduction()),
        };
        if (!options.Enabled)
        {
            return options;
        }

        options.SigningKey = configuration["Auth:SigningKey"]
            ?? throw new InvalidOperationException("Auth:SigningKey is not set (./forum run sets it from .forum/jwt.key).");

        // HS256 wants a key of at least 256 bits (Microsoft.IdentityModel refuses shorter ones at every token).
        var key = new byte[options.SigningKey.Length];
        if (!Convert.TryFromBase64String(options.SigningKey, key, out var length) || length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes in base64 (openssl rand -base64 48).");
        }

        return options;
    }
}

/// <summary>
/// The JwtBearer scheme of development (staff) tokens: compact JWTs signed with HS256 and <c>Auth:SigningKey</c>,
/// checked for signature, algorithm, issuer, audience and expiry (by the app's clock); the roles are the <c>role</c>
/// claim's values as they are. Tokens of any other algorithm are not its business (no result).
/// </summary>
public static class StaffTokenHandler
{
    public const string SchemeName = "Staff";

    public static void Configure(JwtBearerOptions o, StaffTokenOptions staff, TimeProvider time)
    {
        o.MapInboundClaims = false;
        o.RefreshOnIssuerKeyNotFound = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = staff.Enabled ? new SymmetricSecurityKey(Convert.FromBase64String(staff.SigningKey)) : null,
            ValidIssuer = staff.Issuer,
            ValidAudience = staff.Audience,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            LifetimeValidator = (_, expires, _, _) => expires is { } end && time.GetUtcNow().UtcDateTime <= end,
        };
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var token = BearerTokens.From(context.Request);
                if (token is null || Algorithm(token) != SecurityAlgorithms.HmacSha256)
                {
                    context.NoResult();
                }
                else if (!staff.Enabled)
                {
                    context.Fail("development tokens are not accepted here");
                }
                else
                {
                    context.Token = token;
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context => BearerTokens.ValidatedAsync(context, SchemeName, payload => OidcTokenHandler.RoleValues(payload, "role")),
            OnChallenge = BearerTokens.ChallengeAsync,
            OnForbidden = BearerTokens.ForbiddenAsync,
        };
    }

    /// <summary>The <c>alg</c> a JWT's header names, unverified (to choose the scheme that verifies it), or null.</summary>
    public static string? Algorithm(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        try
        {
            using var head = JsonDocument.Parse(Base64Url(dot < 0 ? token : token[..dot]));
            return head.RootElement.ValueKind == JsonValueKind.Object && head.RootElement.TryGetProperty("alg", out var alg) && alg.ValueKind == JsonValueKind.String
                ? alg.GetString()
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    private static byte[] Base64Url(string s)
    {
        var padded = s.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.FromBase64String(padded);
    }

    /// <summary>Issues a token (tests and tools); the launcher issues the same shape with openssl.</summary>
    public static string Issue(string signingKey, string subject, string role, DateTimeOffset now, TimeSpan lifetime, string issuer = "forum", string audience = "forum")
    {
        static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var head = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var body = Encode(JsonSerializer.SerializeToUtf8Bytes(new { sub = subject, name = subject, role, iss = issuer, aud = audience, iat = now.ToUnixTimeSeconds(), exp = (now + lifetime).ToUnixTimeSeconds() }));
        var signature = Encode(HMACSHA256.HashData(Convert.FromBase64String(signingKey), Encoding.ASCII.GetBytes(head + "." + body)));
        return $"{head}.{body}.{signature}";
    }
}

public static class ActorExtensions
{
    /// <summary>
    /// Who is acting, as kept in every event's metadata: role and subject, and for a person signed in through the identity
    /// provider their display name too (<c>organiser:8f3… (Olivia Organiser)</c>), so that a history reads as people.
    /// </summary>
    public static string Actor(this ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return "anonymous";
        }

        var subject = user.FindFirstValue(ClaimTypes.NameIdentifier);
        var actor = $"{user.FindFirstValue(ClaimTypes.Role) ?? "user"}:{subject}";
        var name = user.FindFirstValue(ClaimTypes.Name);
        return user.Identity.AuthenticationType == OidcTokenHandler.SchemeName && !string.IsNullOrWhiteSpace(name) && name != subject ? $"{actor} ({name})" : actor;
    }

    public static bool IsOrganiser(this ClaimsPrincipal user) => user.IsInRole(Roles.Organiser);
}
