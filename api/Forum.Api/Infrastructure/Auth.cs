using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

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

public sealed class StaffTokenOptions : AuthenticationSchemeOptions
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
}

/// <summary>
/// Validates staff bearer tokens: compact JWTs signed with HS256, checked for signature, algorithm, issuer,
/// audience and expiry. (Microsoft's JwtBearer package cannot be restored from this machine's feed.)
/// </summary>
public sealed class StaffTokenHandler(IOptionsMonitor<StaffTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder, TimeProvider time, IProblemDetailsService problems)
    : AuthenticationHandler<StaffTokenOptions>(options, logger, encoder)
{
    public const string SchemeName = "Staff";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var token = header["Bearer ".Length..].Trim();
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            // Not a JWT: maybe another scheme's token (a delegation's access token).
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!Options.Enabled)
        {
            return Task.FromResult(AuthenticateResult.Fail("development tokens are not accepted here"));
        }

        try
        {
            var key = Convert.FromBase64String(Options.SigningKey);
            var expected = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
            if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url(parts[2])))
            {
                return Task.FromResult(AuthenticateResult.Fail("bad signature"));
            }

            using var head = JsonDocument.Parse(Base64Url(parts[0]));
            if (head.RootElement.GetProperty("alg").GetString() != "HS256")
            {
                return Task.FromResult(AuthenticateResult.Fail("unexpected algorithm"));
            }

            using var body = JsonDocument.Parse(Base64Url(parts[1]));
            var claims = body.RootElement;
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            if (!claims.TryGetProperty("exp", out var exp) || exp.GetInt64() < now
                || claims.GetProperty("iss").GetString() != Options.Issuer
                || claims.GetProperty("aud").GetString() != Options.Audience)
            {
                return Task.FromResult(AuthenticateResult.Fail("expired or not for this service"));
            }

            var subject = claims.GetProperty("sub").GetString() ?? "";
            var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
            identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject));
            identity.AddClaim(new Claim(ClaimTypes.Name, claims.TryGetProperty("name", out var name) ? name.GetString() ?? subject : subject));
            if (claims.TryGetProperty("role", out var role))
            {
                foreach (var r in role.ValueKind == JsonValueKind.Array ? role.EnumerateArray().Select(x => x.GetString()) : [role.GetString()])
                {
                    identity.AddClaim(new Claim(ClaimTypes.Role, r ?? ""));
                }
            }

            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Task.FromResult(AuthenticateResult.Fail("malformed token"));
        }
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblem(401, "Authentication required", "This route needs a valid bearer token.", "unauthenticated");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblem(403, "Forbidden", "Your token does not carry the role this route needs.", "forbidden");

    private async Task WriteProblem(int status, string title, string detail, string code)
    {
        Response.StatusCode = status;
        if (status == 401)
        {
            Response.Headers.WWWAuthenticate = "Bearer";
        }

        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        });
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
