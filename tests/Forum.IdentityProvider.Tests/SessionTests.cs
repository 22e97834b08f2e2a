using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace Forum.IdentityProvider.Tests;

[Collection(ProviderCollection.Name)]
public sealed class SessionTests(ProviderFixture provider)
{
    [Fact]
    public async Task A_refresh_token_gives_a_new_access_token_and_a_new_refresh_token()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce), ProviderFixture.ChiefEmail, ProviderFixture.ChiefPassword);
        var (_, tokens) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce));
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;

        var (status, refreshed) = await CodeFlow.TokenAsync(client, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = ProviderFixture.PublicClient,
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var access = refreshed.GetProperty("access_token").GetString()!;
        Assert.NotEqual(tokens.GetProperty("access_token").GetString(), access);
        var result = await CodeFlow.VerifyAsync(client, access, provider.Issuer, "forum-api");
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("Chiara Chief", result.Claims["name"]);
        Assert.Equal(2, result.ClaimsIdentity.FindAll("role").Count());
        // Rolling: each refresh answers a new refresh token.
        Assert.NotEqual(refreshToken, refreshed.GetProperty("refresh_token").GetString());
    }

    [Fact]
    public async Task A_refresh_token_is_refused_to_another_client()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);
        var (_, tokens) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce));

        var (status, error) = await CodeFlow.TokenAsync(client, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
            ["client_id"] = ProviderFixture.ConfidentialClient,
            ["client_secret"] = ProviderFixture.ConfidentialSecret,
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task End_session_redirects_to_the_registered_post_logout_uri_with_the_state_and_signs_the_person_out()
    {
        using var browser = provider.NewBrowser();
        using var client = provider.NewClient();
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);
        var (_, tokens) = await CodeFlow.TokenAsync(client, CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce));

        using var response = await browser.GetAsync(QueryHelpers.AddQueryString("/connect/endsession", new Dictionary<string, string?>
        {
            ["client_id"] = ProviderFixture.PublicClient,
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = ProviderFixture.PostLogoutRedirectUri,
            ["state"] = "bye-1",
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(ProviderFixture.PostLogoutRedirectUri + "?", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("bye-1", CodeFlow.Query(response.Headers.Location!)["state"]);
        Assert.False(browser.HasSession);

        using var authorize = await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New()));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.Equal("/account/signin", new Uri(provider.Issuer, authorize.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task End_session_without_a_post_logout_uri_shows_the_signed_out_page()
    {
        using var browser = provider.NewBrowser();
        await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(Pkce.New()), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        using var page = await browser.FollowAsync(await browser.GetAsync("/connect/endsession"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("You are signed out", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(browser.HasSession);
    }

    [Theory]
    [InlineData(ProviderFixture.PublicClient, "http://127.0.0.1:1/elsewhere")]
    [InlineData(null, "http://127.0.0.1:1/elsewhere")]
    [InlineData(ProviderFixture.ConfidentialClient, ProviderFixture.PostLogoutRedirectUri)]
    public async Task End_session_refuses_a_post_logout_uri_not_registered_for_the_client(string? clientId, string uri)
    {
        using var browser = provider.NewBrowser();
        await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(Pkce.New()), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        using var response = await browser.GetAsync(QueryHelpers.AddQueryString("/connect/endsession", new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["post_logout_redirect_uri"] = uri,
            ["state"] = "bye-2",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("'post_logout_redirect_uri'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(browser.HasSession);
    }
}
