using System.Net;
using System.Text.Json;

namespace Forum.IdentityProvider.Tests;

[Collection(ProviderCollection.Name)]
public sealed class DiscoveryTests(ProviderFixture provider)
{
    [Fact]
    public async Task The_discovery_document_names_the_issuer_the_endpoints_S256_and_the_grant_types()
    {
        using var client = provider.NewClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        var issuer = provider.Issuer.ToString();
        Assert.Equal(issuer, document.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "connect/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(issuer + "connect/token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal(issuer + "connect/endsession", document.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(issuer + "connect/userinfo", document.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(issuer + ".well-known/jwks", document.GetProperty("jwks_uri").GetString());
        Assert.Equal(["S256"], Strings(document, "code_challenge_methods_supported"));
        Assert.Equal(["authorization_code", "refresh_token"], Strings(document, "grant_types_supported").Order());
        Assert.Equal(["code"], Strings(document, "response_types_supported"));
        Assert.Superset(new HashSet<string> { "openid", "profile", "email", "roles", "offline_access", "forum-api" },
            Strings(document, "scopes_supported").ToHashSet());
        Assert.Contains("RS256", Strings(document, "id_token_signing_alg_values_supported"));
        // No client keys without an application store: client assertions are not offered.
        Assert.DoesNotContain("private_key_jwt", Strings(document, "token_endpoint_auth_methods_supported"));
    }

    [Fact]
    public async Task The_JWKS_publishes_the_RSA_signing_key()
    {
        using var client = provider.NewClient();
        var keys = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks")).RootElement.GetProperty("keys");

        var key = Assert.Single(keys.EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.Equal(256, Convert.FromBase64String(Base64(key.GetProperty("n").GetString()!)).Length); // 2048 bits
        Assert.False(key.TryGetProperty("d", out _), "the private exponent is not published");
    }

    [Fact]
    public async Task Health_answers_200_ok()
    {
        using var client = provider.NewClient();
        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    private static string[] Strings(JsonElement document, string name) =>
        [.. document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    private static string Base64(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
