using System.Net;
using System.Text.Json;

namespace Forum.IdentityProvider.Tests;

/// <summary>
/// The provider as compose runs it: its issuer is the address browsers use (here a port where nothing listens), and
/// the API and the staff app reach it at an internal name (<c>identity:8080</c>) through their back-channel address.
/// Whatever host a request arrives on, the provider names its configured issuer.
/// </summary>
public sealed class BackchannelTests
{
    private const string InternalHost = "identity:8080";

    [Fact]
    public async Task Discovery_and_token_requests_arriving_on_an_internal_host_name_are_answered_with_the_configured_issuer()
    {
        var issuer = new Uri($"http://127.0.0.1:{ProviderFixture.FreePort()}/");
        var port = ProviderFixture.FreePort();
        var (app, _) = await ProviderFixture.StartAsync(
        [
            $"--IdentityProvider:Accounts:0:Email={ProviderFixture.OrganiserEmail}",
            "--IdentityProvider:Accounts:0:Name=Olivia Organiser",
            $"--IdentityProvider:Accounts:0:Password={ProviderFixture.OrganiserPassword}",
            "--IdentityProvider:Accounts:0:Roles:0=organiser",
            $"--IdentityProvider:Clients:0:ClientId={ProviderFixture.PublicClient}",
            $"--IdentityProvider:Clients:0:RedirectUris:0={ProviderFixture.RedirectUri}",
        ], port, issuer);
        await using var _ = app;
        var inside = new Uri($"http://127.0.0.1:{port}/");
        using var server = new HttpClient { BaseAddress = inside };

        using var discoveryRequest = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        discoveryRequest.Headers.Host = InternalHost;
        using var discoveryResponse = await server.SendAsync(discoveryRequest);
        var discovery = JsonDocument.Parse(await discoveryResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(issuer.ToString(), discovery.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(issuer, "connect/token").ToString(), discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal(new Uri(issuer, "connect/authorize").ToString(), discovery.GetProperty("authorization_endpoint").GetString());

        // The browser reaches the provider through a port mapping (here: straight at its port).
        using var browser = new Browser(inside);
        var pkce = Pkce.New();
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);
        Assert.Equal(issuer.ToString(), CodeFlow.Query(callback)["iss"]);

        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce)),
        };
        tokenRequest.Headers.Host = InternalHost;
        using var tokenResponse = await server.SendAsync(tokenRequest);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement;

        var access = await CodeFlow.VerifyAsync(server, tokens.GetProperty("access_token").GetString()!, issuer, "forum-api");
        Assert.True(access.IsValid, access.Exception?.Message);
        var id = await CodeFlow.VerifyAsync(server, tokens.GetProperty("id_token").GetString()!, issuer, ProviderFixture.PublicClient);
        Assert.True(id.IsValid, id.Exception?.Message);

        using var refreshRequest = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
                ["client_id"] = ProviderFixture.PublicClient,
            }),
        };
        refreshRequest.Headers.Host = InternalHost;
        using var refreshResponse = await server.SendAsync(refreshRequest);
        Assert.Equal(HttpStatusCode.OK, refreshResponse.StatusCode);
        var renewed = JsonDocument.Parse(await refreshResponse.Content.ReadAsStringAsync()).RootElement;
        var renewedAccess = await CodeFlow.VerifyAsync(server, renewed.GetProperty("access_token").GetString()!, issuer, "forum-api");
        Assert.True(renewedAccess.IsValid, renewedAccess.Exception?.Message);
    }
}
