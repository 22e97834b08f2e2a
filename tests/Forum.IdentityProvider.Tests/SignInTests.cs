using System.Net;

namespace Forum.IdentityProvider.Tests;

[Collection(ProviderCollection.Name)]
public sealed class SignInTests(ProviderFixture provider)
{
    [Fact]
    public async Task The_sign_in_page_is_a_plain_labelled_form_in_English_with_an_antiforgery_token_and_no_script()
    {
        using var browser = provider.NewBrowser();

        using var page = await browser.FollowAsync(await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New())));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"email\">", html, StringComparison.Ordinal);
        Assert.Contains("<input type=\"email\" id=\"email\" name=\"email\"", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"password\">", html, StringComparison.Ordinal);
        Assert.Contains("<input type=\"password\" id=\"password\" name=\"password\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("There is a problem", html, StringComparison.Ordinal);
        var fields = Browser.HiddenFields(html);
        Assert.Contains("__RequestVerificationToken", fields.Keys);
        Assert.StartsWith("/connect/authorize?", fields["returnUrl"], StringComparison.Ordinal);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProviderFixture.OrganiserEmail, "not-the-password")]
    [InlineData("nobody@forum.test", ProviderFixture.OrganiserPassword)]
    [InlineData(ProviderFixture.OrganiserEmail, "")]
    public async Task A_wrong_password_or_an_unknown_address_shows_the_form_again_with_one_message_and_no_session(string email, string password)
    {
        using var browser = provider.NewBrowser();
        var authorize = CodeFlow.AuthorizeUrl(Pkce.New());
        using var page = await browser.FollowAsync(await browser.GetAsync(authorize));

        using var again = await browser.PostSignInAsync(await page.Content.ReadAsStringAsync(), email, password);
        var html = await again.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("There is a problem", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#email\">The e-mail address or password is not right</a>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Error: Sign in", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{email}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(password is "" ? "\0" : password, html, StringComparison.Ordinal);
        Assert.StartsWith("/connect/authorize?", Browser.HiddenFields(html)["returnUrl"], StringComparison.Ordinal);
        Assert.False(browser.HasSession);

        // Still nobody: the authorization request sends the browser to the sign-in page again.
        using var authorizeAgain = await browser.GetAsync(authorize);
        Assert.Equal("/account/signin", new Uri(provider.Issuer, authorizeAgain.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused()
    {
        using var browser = provider.NewBrowser();
        using var page = await browser.FollowAsync(await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New())));
        var html = (await page.Content.ReadAsStringAsync()).Replace("__RequestVerificationToken", "something-else", StringComparison.Ordinal);

        using var response = await browser.PostSignInAsync(html, ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(browser.HasSession);
    }

    [Theory]
    [InlineData("https://elsewhere.example/")]
    [InlineData("//elsewhere.example/")]
    [InlineData("/\\elsewhere.example/")]
    public async Task After_signing_in_only_a_local_return_url_is_followed(string returnUrl)
    {
        using var browser = provider.NewBrowser();
        using var page = await browser.GetAsync("/account/signin?returnUrl=" + Uri.EscapeDataString(returnUrl));
        var html = await page.Content.ReadAsStringAsync();

        using var response = await browser.PostSignInAsync(html, ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.True(browser.HasSession);
    }

    [Fact]
    public async Task Prompt_none_without_a_session_answers_login_required_to_the_client()
    {
        using var browser = provider.NewBrowser();

        using var response = await browser.GetAsync(CodeFlow.AuthorizeUrl(Pkce.New(), state: "silent", extra: "&prompt=none"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(ProviderFixture.RedirectUri, response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var query = CodeFlow.Query(response.Headers.Location!);
        Assert.Equal("login_required", query["error"]);
        Assert.Equal("silent", query["state"]);
    }

    [Fact]
    public async Task Prompt_login_asks_a_signed_in_person_to_sign_in_again()
    {
        using var browser = provider.NewBrowser();
        await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(Pkce.New()), ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(Pkce.New(), state: "again", extra: "&prompt=login"),
            ProviderFixture.OrganiserEmail, ProviderFixture.OrganiserPassword);

        Assert.Equal("again", CodeFlow.Query(callback)["state"]);
    }
}
