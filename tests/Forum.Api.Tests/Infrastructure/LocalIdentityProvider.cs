using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect provider on Kestrel (127.0.0.1, a free port): a discovery document and a JWKS over HTTP, and
/// access tokens signed with the RSA and P-256 keys it holds, written by hand so that the API's validation is checked
/// against an independent signer. It counts the fetches of its JWKS.
/// </summary>
public sealed class LocalIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private List<Key> published;
    private int jwksFetches;

    public sealed record Key(string Id, AsymmetricAlgorithm Value)
    {
        public string Algorithm => Value is RSA ? "RS256" : "ES256";

        public object Jwk()
        {
            if (Value is RSA rsa)
            {
                var p = rsa.ExportParameters(false);
                return new { kty = "RSA", use = "sig", alg = "RS256", kid = Id, n = Base64Url(p.Modulus!), e = Base64Url(p.Exponent!) };
            }

            var q = ((ECDsa)Value).ExportParameters(false).Q;
            return new { kty = "EC", use = "sig", alg = "ES256", kid = Id, crv = "P-256", x = Base64Url(q.X!), y = Base64Url(q.Y!) };
        }

        public byte[] Sign(byte[] data) => Value is RSA rsa
            ? rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : ((ECDsa)Value).SignData(data, HashAlgorithmName.SHA256); // IEEE P1363 (r‖s), as JWS wants
    }

    private LocalIdentityProvider(WebApplication app, TimeProvider time)
    {
        this.app = app;
        this.time = time;
        Rsa = NewRsaKey();
        Ec = new Key("ec-" + Guid.NewGuid().ToString("N")[..8], ECDsa.Create(ECCurve.NamedCurves.nistP256));
        published = [Rsa, Ec];
    }

    public string Issuer { get; private set; } = "";

    /// <summary>The RSA key RS256 tokens are signed with (a new one after <see cref="Rotate"/>).</summary>
    public Key Rsa { get; private set; }

    public Key Ec { get; }

    public int JwksFetches => Volatile.Read(ref jwksFetches);

    /// <summary>While set, the JWKS answers 503, as a provider in trouble would.</summary>
    public bool Failing { get; set; }

    /// <summary>Where it listens (<c>http://127.0.0.1:{port}</c>), which is the issuer's origin unless a public origin was given.</summary>
    public string Address { get; private set; } = "";

    /// <summary>
    /// Starts a provider whose issuer is <c>http://127.0.0.1:{port}/realms/{realm}</c>, its tokens dated by
    /// <paramref name="time"/>; with <paramref name="publicOrigin"/>, its issuer (and the URLs its discovery document
    /// names) are there instead, as a provider that servers reach elsewhere than browsers do.
    /// </summary>
    public static async Task<LocalIdentityProvider> StartAsync(TimeProvider time, string realm, string? publicOrigin = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new LocalIdentityProvider(app, time);
        app.MapGet($"/realms/{realm}/.well-known/openid-configuration", () => Results.Json(new
        {
            issuer = provider.Issuer,
            jwks_uri = provider.Issuer + "/protocol/openid-connect/certs",
            id_token_signing_alg_values_supported = new[] { "RS256", "ES256" },
        }));
        app.MapGet($"/realms/{realm}/protocol/openid-connect/certs", () =>
        {
            Interlocked.Increment(ref provider.jwksFetches);
            if (provider.Failing)
            {
                return Results.StatusCode(503);
            }

            lock (provider.gate)
            {
                return Results.Json(new { keys = provider.published.Select(k => k.Jwk()).ToArray() });
            }
        });
        await app.StartAsync();
        provider.Address = app.Urls.Single().TrimEnd('/');
        provider.Issuer = $"{(publicOrigin ?? provider.Address).TrimEnd('/')}/realms/{realm}";
        return provider;
    }

    /// <summary>Publishes a new RSA key beside the others and signs RS256 tokens with it from now on.</summary>
    public Key Rotate()
    {
        var key = NewRsaKey();
        lock (gate)
        {
            published = [.. published, key];
            Rsa = key;
        }

        return key;
    }

    /// <summary>Stops publishing <paramref name="key"/> (the provider withdrew it, compromised or retired).</summary>
    public void Withdraw(Key key)
    {
        lock (gate)
        {
            published = [.. published.Where(k => k != key)];
        }
    }

    /// <summary>An access token; <paramref name="roles"/> is a string or an array, as identity providers write either.</summary>
    public string Token(
        object? roles, Key? key = null, string subject = "staff-1", string audience = OidcApiFixture.Audience, string? issuer = null,
        TimeSpan? lifetime = null, string? algorithm = null, string? keyId = null)
    {
        key ??= Rsa;
        var now = time.GetUtcNow();
        var header = new Dictionary<string, object> { ["alg"] = algorithm ?? key.Algorithm, ["typ"] = "at+jwt", ["kid"] = keyId ?? key.Id };
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = issuer ?? Issuer,
            ["sub"] = subject,
            ["aud"] = audience,
            ["name"] = "Staff member " + subject,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(15))).ToUnixTimeSeconds(),
        };
        if (roles is not null)
        {
            payload["roles"] = roles;
        }

        var signed = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        return signed + "." + Base64Url(key.Sign(Encoding.ASCII.GetBytes(signed)));
    }

    /// <summary>The same claims with no signature at all (<c>alg: none</c>).</summary>
    public string WithoutSignature(object? roles)
    {
        var parts = Token(roles).Split('.');
        return Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "none", typ = "JWT" })) + "." + parts[1] + ".";
    }

    /// <summary>HS256 with the RSA key's public JWK as the secret: the key-confusion attack on verifiers that take the token's alg.</summary>
    public string SignedWithPublicKeyAsSecret(object? roles)
    {
        var parts = Token(roles).Split('.');
        var head = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT", kid = Rsa.Id }));
        var secret = JsonSerializer.SerializeToUtf8Bytes(Rsa.Jwk());
        return head + "." + parts[1] + "." + Base64Url(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(head + "." + parts[1])));
    }

    /// <summary>A valid token whose payload was changed afterwards (another subject), its signature kept.</summary>
    public string Tampered(object? roles)
    {
        var parts = Token(roles).Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(FromBase64Url(parts[1]))!;
        payload["sub"] = JsonSerializer.SerializeToElement("someone-else");
        return parts[0] + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload)) + "." + parts[2];
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static Key NewRsaKey() => new("rsa-" + Guid.NewGuid().ToString("N")[..8], RSA.Create(2048));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var padded = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
