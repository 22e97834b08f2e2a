using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Forum.IdentityProvider.Tests;

[Collection(ProviderCollection.Name)]
public sealed class CodeFlowTests(ProviderFixture provider)
{
    [Fact]
    public async Task The_code_flow_with_PKCE_gives_an_access_token_that_verifies_against_the_JWKS_and_an_ID_token()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();

        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce, state: "state-42"), ProviderFixture.ChiefEmail, ProviderFixture.ChiefPassword);

        Assert.StartsWith(ProviderFixture.RedirectUri + "?", callback.ToString(), StringComparison.Ordinal);
        var query = CodeFlow.Query(callback);
        Assert.Equal("state-42", query["state"]);
        Assert.Equal(provider.Issuer.ToString(), query["iss"]);
        Assert.True(browser.HasSession);

        var (status, tokens) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(query["code"], pkce));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.InRange(tokens.GetProperty("expires_in").GetInt32(), 590, 600); // the default 10 minutes
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));

        var access = await CodeFlow.VerifyAsync(client, tokens.GetProperty("access_token").GetString()!, provider.Issuer, "forum-api");
        Assert.True(access.IsValid, access.Exception?.Message);
        Assert.Equal(provider.Issuer.ToString(), access.Claims["iss"]);
        Assert.Equal("forum-api", access.Claims["aud"]);
        Assert.False(string.IsNullOrEmpty((string)access.Claims["sub"]));
        Assert.Equal("Chiara Chief", access.Claims["name"]);
        Assert.Equal(ProviderFixture.ChiefEmail, access.Claims["email"]);
        Assert.Equal(["organiser", "protocol"], RoleClaims(access));
        Assert.Equal(ProviderFixture.PublicClient, access.Claims["client_id"]);
        Assert.Equal(CodeFlow.AllScopes.Split(' ').Order(), ((string)access.Claims["scope"]).Split(' ').Order());
        var jwt = (Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)access.SecurityToken;
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.False(jwt.TryGetPayloadValue<long>("auth_time", out _), "auth_time is for the ID token");

        var id = await CodeFlow.VerifyAsync(client, tokens.GetProperty("id_token").GetString()!, provider.Issuer, ProviderFixture.PublicClient);
        Assert.True(id.IsValid, id.Exception?.Message);
        Assert.Equal(access.Claims["sub"], id.Claims["sub"]);
        Assert.Equal("nonce-1", id.Claims["nonce"]);
        Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(id.Claims["auth_time"], System.Globalization.CultureInfo.InvariantCulture)),
            DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("Chiara Chief", id.Claims["name"]);
        Assert.Equal(ProviderFixture.ChiefEmail, id.Claims["email"]);
        Assert.Equal(["organiser", "protocol"], RoleClaims(id));
    }

    [Fact]
    public async Task The_ID_token_carries_name_email_and_roles_only_for_their_scopes_and_the_access_token_always()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce, scope: "openid forum-api"),
            ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        var (status, tokens) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(tokens.TryGetProperty("refresh_token", out _), "no offline_access, no refresh token");
        var id = await CodeFlow.VerifyAsync(client, tokens.GetProperty("id_token").GetString()!, provider.Issuer, ProviderFixture.PublicClient);
        Assert.True(id.IsValid, id.Exception?.Message);
        Assert.True(id.Claims.ContainsKey("sub"));
        Assert.False(id.Claims.ContainsKey("name"));
        Assert.False(id.Claims.ContainsKey("email"));
        Assert.False(id.Claims.ContainsKey("role"));
        var access = await CodeFlow.VerifyAsync(client, tokens.GetProperty("access_token").GetString()!, provider.Issuer, "forum-api");
        Assert.Equal("Olivia Organiser", access.Claims["name"]);
        Assert.Equal(ProviderFixture.OrganiserEmail, access.Claims["email"]);
        Assert.Equal(["organiser"], RoleClaims(access));
    }

    [Fact]
    public async Task An_account_with_one_role_has_one_role_claim()
    {
        var tokens = await SignedInTokensAsync(ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);
        using var client = provider.NewClient();

        var access = await CodeFlow.VerifyAsync(client, tokens.GetProperty("access_token").GetString()!, provider.Issuer, "forum-api");

        Assert.True(access.IsValid, access.Exception?.Message);
        Assert.Equal(["organiser"], RoleClaims(access));
        Assert.Equal("Olivia Organiser", access.Claims["name"]);
    }

    [Fact]
    public async Task A_person_signed_in_at_the_provider_is_not_asked_again()
    {
        using var browser = provider.NewBrowser();
        await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(Pkce.New()), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        using var again = await browser.FollowAsync(await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New(), state: "second")));

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        var query = CodeFlow.Query(again.Headers.Location!);
        Assert.Equal("second", query["state"]);
        Assert.True(query.ContainsKey("code"));
    }

    [Fact]
    public async Task A_code_is_redeemed_once()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);
        var request = CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce);

        var (first, _) = await CodeFlow.TokenAsync(client, request);
        var (second, error) = await CodeFlow.TokenAsync(client, request);

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.BadRequest, second);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_wrong_code_verifier_is_refused()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);
        var code = CodeFlow.Query(callback)["code"];

        var (status, error) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(code, Pkce.New()));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());

        var request = CodeFlow.CodeRequest(code, pkce);
        request.Remove("code_verifier");
        (status, error) = await CodeFlow.TokenAsync(client, request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());

        // The refused attempts did not spend the code: the right verifier still redeems it.
        (status, _) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(code, pkce));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task An_authorization_request_without_a_code_challenge_is_refused_without_a_redirect()
    {
        using var browser = provider.NewBrowser();

        using var response = await browser.GetAsync(CodeFlow.AuthorizeUrl(pkce: null));

        await AssertRefusedHereAsync(response, "invalid_request", "code_challenge");
    }

    [Fact]
    public async Task The_plain_code_challenge_method_is_refused()
    {
        using var browser = provider.NewBrowser();
        var url = CodeFlow.AuthorizeUrl(pkce: null) + "&code_challenge=" + new string('a', 43) + "&code_challenge_method=plain";

        using var response = await browser.GetAsync(url);

        await AssertRefusedHereAsync(response, "invalid_request", "code_challenge_method");
    }

    [Fact]
    public async Task An_unknown_redirect_uri_is_refused_without_a_redirect()
    {
        using var browser = provider.NewBrowser();

        using var response = await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New(), redirectUri: "http://127.0.0.1:1/elsewhere"));

        await AssertRefusedHereAsync(response, "invalid_request", "redirect_uri");
    }

    [Fact]
    public async Task An_unknown_client_is_refused_without_a_redirect()
    {
        using var browser = provider.NewBrowser();

        using var response = await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New(), clientId: "somebody-else"));

        await AssertRefusedHereAsync(response, "invalid_request", "client_id");
    }

    [Fact]
    public async Task An_unknown_scope_is_refused()
    {
        using var browser = provider.NewBrowser();

        using var response = await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New(), scope: "openid payroll"));

        await AssertRefusedHereAsync(response, "invalid_scope", "scope");
    }

    [Fact]
    public async Task A_token_request_from_an_unknown_client_is_refused()
    {
        var (code, pkce) = await CodeAsync(ProviderFixture.PublicClient);
        using var client = provider.NewClient();

        var (status, error) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(code, pkce, clientId: "somebody-else"));

        Assert.Equal(HttpStatusCode.Unauthorized, status); // RFC 6749 5.2: invalid_client may answer 401
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_code_issued_to_one_client_is_refused_to_another()
    {
        var (code, pkce) = await CodeAsync(ProviderFixture.PublicClient);
        using var client = provider.NewClient();
        var request = CodeFlow.CodeRequest(code, pkce, clientId: ProviderFixture.ConfidentialClient);
        request["client_secret"] = ProviderFixture.ConfidentialSecret;

        var (status, error) = await CodeFlow.TokenAsync(client, request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_confidential_client_must_authenticate_with_its_secret()
    {
        var (code, pkce) = await CodeAsync(ProviderFixture.ConfidentialClient);
        using var client = provider.NewClient();
        var request = CodeFlow.CodeRequest(code, pkce, clientId: ProviderFixture.ConfidentialClient);

        var (status, error) = await CodeFlow.TokenAsync(client, request);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());

        request["client_secret"] = "not-the-secret";
        (status, error) = await CodeFlow.TokenAsync(client, request);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());

        // client_secret_basic, as ASP.NET Core's OpenID Connect handler may send it.
        request.Remove("client_secret");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ProviderFixture.ConfidentialClient}:{ProviderFixture.ConfidentialSecret}")));
        (status, var tokens) = await CodeFlow.TokenAsync(client, request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(tokens.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Userinfo_answers_the_claims_of_the_granted_scopes()
    {
        var tokens = await SignedInTokensAsync(ProviderFixture.ChiefEmail, ProviderFixture.ChiefPassword);
        using var client = provider.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());

        var info = JsonDocument.Parse(await client.GetStringAsync("/connect/userinfo")).RootElement;

        Assert.Equal("Chiara Chief", info.GetProperty("name").GetString());
        Assert.Equal(ProviderFixture.ChiefEmail, info.GetProperty("email").GetString());
        Assert.Equal(["organiser", "protocol"], info.GetProperty("role").EnumerateArray().Select(r => r.GetString()));

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var refused = await client.GetAsync("/connect/userinfo");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<JsonElement> SignedInTokensAsync(string email, string password)
    {
        var (code, pkce) = await CodeAsync(ProviderFixture.PublicClient, email, password);
        using var client = provider.NewClient();
        var (status, tokens) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(code, pkce));
        Assert.Equal(HttpStatusCode.OK, status);
        return tokens;
    }

    private async Task<(string Code, Pkce Pkce)> CodeAsync(string clientId,
        string email = ProviderFixture.OrganiserEmail, string password = ProviderFixture.OrganiserPassword)
    {
        using var browser = provider.NewBrowser();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce, clientId: clientId), email, password);
        return (CodeFlow.Query(callback)["code"], pkce);
    }

    /// <summary>Answered by the provider itself (400, the protocol's error naming the parameter), never redirected.</summary>
    private static async Task AssertRefusedHereAsync(HttpResponseMessage response, string error, string parameter)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains($"error:{error}", body, StringComparison.Ordinal);
        Assert.Contains($"'{parameter}'", body, StringComparison.Ordinal);
    }

    private static string[] RoleClaims(Microsoft.IdentityModel.Tokens.TokenValidationResult result) =>
        [.. result.ClaimsIdentity.FindAll("role").Select(c => c.Value).Order(StringComparer.Ordinal)];
}
