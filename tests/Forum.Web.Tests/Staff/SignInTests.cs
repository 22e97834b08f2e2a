using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

[Collection(StaffCollection.Name)]
public sealed class SignInTests(StaffFixture staff)
{
    private const string Cookie = "forum-staff";

    /// <summary>The session cookie's value, put together from its chunks (a session with its tokens is larger than one cookie).</summary>
    private static async Task<string> SessionCookieAsync(IPage page)
    {
        var cookies = (await page.Context.CookiesAsync()).ToDictionary(c => c.Name, c => c.Value);
        var value = cookies[Cookie];
        return value.StartsWith("chunks-", StringComparison.Ordinal)
            ? string.Concat(Enumerable.Range(1, int.Parse(value["chunks-".Length..], System.Globalization.CultureInfo.InvariantCulture)).Select(i => cookies[$"{Cookie}C{i}"]))
            : value;
    }

    [Fact]
    public async Task No_page_opens_when_signed_out_and_each_sends_the_visitor_to_sign_in_with_PKCE()
    {
        var page = await staff.NewPageAsync();
        foreach (var path in new[] { "/", "/conferences/new", "/fr/conferences/anything/board" })
        {
            var redirects = new List<string>();
            page.Request += (_, request) => redirects.Add(request.Url);
            await page.GotoAsync(path);
            Assert.StartsWith(staff.Provider + "account/signin", page.Url, StringComparison.Ordinal);
            var authorize = redirects.First(u => u.Contains("/connect/authorize", StringComparison.Ordinal));
            Assert.Contains("code_challenge_method=S256", authorize, StringComparison.Ordinal);
            Assert.Contains("response_type=code", authorize, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_organiser_signs_in_through_the_provider_and_the_session_cookie_is_http_only_and_bounded()
    {
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Conferences");
        var cookies = (await page.Context.CookiesAsync()).Where(c => c.Name.StartsWith(Cookie, StringComparison.Ordinal) && !c.Name.Contains("antiforgery", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.True(c.HttpOnly, c.Name));
        Assert.All(cookies, c => Assert.Equal(SameSiteAttribute.Lax, c.SameSite));
        var ticket = staff.Staff.Ticket(await SessionCookieAsync(page))!;
        Assert.NotNull(ticket.Properties.GetTokenValue("access_token"));
        Assert.NotNull(ticket.Properties.GetTokenValue("refresh_token"));
        Assert.True(ticket.Properties.ExpiresUtc <= DateTimeOffset.UtcNow.AddHours(10).AddMinutes(1));
        Assert.True(ticket.Principal.IsInRole("organiser"));
        Assert.False(ticket.Principal.IsInRole("protocol"));
    }

    [Fact]
    public async Task An_expiring_access_token_is_renewed_through_the_refresh_token_and_the_person_stays_signed_in()
    {
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        var first = staff.Staff.Ticket(await SessionCookieAsync(page))!.Properties.GetTokenValue("access_token");
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        string? renewed = first;
        while (renewed == first && DateTimeOffset.UtcNow < deadline)
        {
            await page.GotoAsync("/");
            await Expect(page.Locator(".header-person")).ToHaveTextAsync(StaffFixture.Organiser.Name);
            renewed = staff.Staff.Ticket(await SessionCookieAsync(page))!.Properties.GetTokenValue("access_token");
        }

        Assert.NotEqual(first, renewed);
        // The renewed token is the person's own, and the API takes it.
        using var api = new HttpClient { BaseAddress = staff.Api.Address };
        api.DefaultRequestHeaders.Authorization = new("Bearer", renewed);
        using var response = await api.GetAsync("api/conferences");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_protocol_officer_is_refused_the_organisers_pages_with_a_plain_page()
    {
        var page = await staff.SignedInAsync(StaffFixture.Protocol);
        var slug = await staff.ConferenceAsync();
        foreach (var path in new[] { "/conferences/new", $"/conferences/{slug}", $"/conferences/{slug}/board" })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(403, response!.Status);
            await Expect(page.Locator("h1")).ToHaveTextAsync("This page is for organisers");
        }

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Create a conference" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_person_with_both_roles_opens_the_organisers_pages()
    {
        var page = await staff.SignedInAsync(StaffFixture.Chief, "/conferences/new");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Create a conference");
    }

    [Fact]
    public async Task Sign_out_ends_the_session_here_and_at_the_provider()
    {
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(staff.Staff.Address + "signed-out", StringComparison.Ordinal));
        await Expect(page.Locator("h1")).ToHaveTextAsync("You are signed out");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name.StartsWith(Cookie + "C", StringComparison.Ordinal) || c.Name == Cookie);

        // The provider's session ended too: the next page asks for the password again instead of signing back in.
        await page.GotoAsync("/");
        Assert.StartsWith(staff.Provider + "account/signin", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_forged_or_expired_session_cookie_signs_nobody_in()
    {
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        var real = await SessionCookieAsync(page);
        var ticket = staff.Staff.Ticket(real)!;

        // Forged: the real cookie with one character changed.
        var forged = real[..100] + (real[100] == 'A' ? 'B' : 'A') + real[101..];
        // Expired: made with the app's own keys, but its time is up.
        var expired = staff.Staff.Protect(new AuthenticationTicket(ticket.Principal,
            new AuthenticationProperties(ticket.Properties.Items.ToDictionary(i => i.Key, i => i.Value)) { IssuedUtc = DateTimeOffset.UtcNow.AddHours(-11), ExpiresUtc = DateTimeOffset.UtcNow.AddHours(-1) },
            CookieAuthenticationDefaults.AuthenticationScheme));
        // A principal made up by someone without the keys.
        var madeUp = "CfDJ8" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(300)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var cookie in new[] { forged, expired, madeUp })
        {
            var visitor = await staff.NewPageAsync();
            await visitor.Context.AddCookiesAsync(Chunked(cookie));
            await visitor.GotoAsync("/");
            Assert.StartsWith(staff.Provider + "account/signin", visitor.Url, StringComparison.Ordinal);
        }
    }

    /// <summary>A session cookie as the app writes one: in chunks of at most 4,000 characters.</summary>
    private List<Microsoft.Playwright.Cookie> Chunked(string value)
    {
        var url = staff.Staff.Address.ToString();
        var chunks = value.Chunk(4000).Select(c => new string(c)).ToList();
        var cookies = new List<Microsoft.Playwright.Cookie> { new() { Name = Cookie, Value = chunks.Count == 1 ? value : $"chunks-{chunks.Count}", Url = url } };
        if (chunks.Count > 1)
        {
            cookies.AddRange(chunks.Select((c, i) => new Microsoft.Playwright.Cookie { Name = $"{Cookie}C{i + 1}", Value = c, Url = url }));
        }

        return cookies;
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused()
    {
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        var response = await page.APIRequest.PostAsync("/conferences/new", new()
        {
            Form = page.APIRequest.CreateFormData().Set("Form.Slug", "forged-" + Guid.NewGuid().ToString("N")[..8]).Set("Form.Title", "Forged"),
            MaxRedirects = 0,
        });
        Assert.Equal(400, response.Status);
        var conferences = await staff.GetAsync("api/conferences");
        Assert.DoesNotContain(conferences.EnumerateArray(), c => c.GetProperty("title").GetString() == "Forged");
    }
}
