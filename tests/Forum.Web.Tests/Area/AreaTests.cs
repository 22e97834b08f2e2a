using System.Net.Http.Headers;
using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Forum.Web.Tests.Registration;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Area;

[Collection(WebCollection.Name)]
public sealed class AreaTests(WebFixture web)
{
    private static readonly Person FocalPoint = new("Lars Nielsen", "", "", "lars.nielsen@example.org");

    private static readonly Person Minister = new("Peter Hummelgaard", "Minister of Justice", "Minister", "minister@example.dk", FullPowers: true);

    private static readonly Person Adviser = new("Mette Olsen", "Adviser on cybercrime", "SeniorOfficial", "mette.olsen@example.dk");

    private static readonly Person Expert = new("Søren Holm", "Police expert", "Expert", "soren.holm@example.dk");

    [Fact]
    public async Task A_delegation_registers_follows_its_link_adds_a_member_asks_for_a_seat_downloads_a_badge_and_finds_its_feeds()
    {
        var page = await web.NewPageAsync();
        await RegistrationForms.OpenAsync(page, web.Slug);
        await RegistrationForms.FillAsync(page, "DK", FocalPoint, [Minister, Adviser]);
        var link = await RegistrationForms.SubmitAndReadAccessLinkAsync(page);
        var token = Uri.UnescapeDataString(link.Split("/access/")[1]);

        // The link: the token moves into a cookie and the address is cleaned.
        var response = await page.GotoAsync(link);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/delegation$"));
        Assert.DoesNotContain(token, page.Url, StringComparison.Ordinal);
        Assert.Equal("no-referrer", await response!.HeaderValueAsync("referrer-policy"));
        Assert.Contains("no-store", await response.HeaderValueAsync("cache-control"), StringComparison.Ordinal);
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "forum-access");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.True(cookie.Secure, "outside Development the cookie is Secure");
        Assert.Equal(token, cookie.Value);
        Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);
        await Expect(page.Locator("h1")).ToContainTextAsync("Denmark");
        await Expect(page.Locator("main")).ToContainTextAsync(Minister.Name);
        await Expect(page.Locator(".accreditation").First).ToContainTextAsync("Waiting for the protocol's decision");

        // Adds a member.
        await page.Locator("#add-member").ClickAsync();
        await page.Locator("#name").FillAsync(Expert.Name);
        await page.Locator("#function").FillAsync(Expert.Function);
        await page.Locator("#rank").SelectOptionAsync(Expert.Rank);
        await page.Locator("#email").FillAsync(Expert.Email);
        await page.Locator("#save-member").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The member was added");
        await Expect(page.Locator("section.member")).ToHaveCountAsync(3);
        await Expect(page.Locator("#add-member")).ToHaveCountAsync(0);

        // The protocol accredits the minister; the focal point asks for a seat in the opening session.
        var id = (await web.DelegationsAsync("DK")).Single().GetProperty("id").GetGuid();
        var held = await AreaKit.HeldAsync(web, id);
        var minister = held.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("name").GetString() == Minister.Name).GetProperty("id").GetGuid();
        await AreaKit.AccreditAsync(web, id, minister);
        await page.Locator("#ask-seats").ClickAsync();
        await page.Locator("#session-1").CheckAsync();
        await page.Locator($"#seat-member-{minister:N}").CheckAsync();
        await page.Locator("#request-seats").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("Your request for seats was recorded");
        await Expect(page.Locator($"#member-{minister:N} .seat")).ToContainTextAsync("Opening of the conference");
        await Expect(page.Locator($"#member-{minister:N} .seat")).ToContainTextAsync("Seat held");

        // Downloads the badge: an SVG, streamed by the web client, the token never in the browser.
        var badgeLink = page.Locator($"#member-{minister:N} a.badge-link");
        Assert.DoesNotContain(token, await badgeLink.GetAttributeAsync("href") ?? "", StringComparison.Ordinal);
        var download = await page.RunAndWaitForDownloadAsync(() => badgeLink.ClickAsync());
        var svg = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains(Minister.Name, svg, StringComparison.Ordinal);
        await Expect(page.Locator("a.badge-link")).ToHaveCountAsync(1);

        // Finds its feed links: the delegation's and each member's, https, webcal and Google.
        await Expect(page.Locator(".delegation-feed a[href^='webcal://']")).ToHaveCountAsync(1);
        await Expect(page.Locator(".delegation-feed a[href^='https://calendar.google.com/']")).ToHaveCountAsync(1);
        await Expect(page.Locator(".delegation-feed a[href^='http'][href*='/calendars/delegations/']")).ToHaveCountAsync(1);
        await Expect(page.Locator(".member-feed a[href^='webcal://']")).ToHaveCountAsync(3);

        // The API holds exactly that.
        held = await AreaKit.HeldAsync(web, id);
        var members = held.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("status").GetString() == "Active").ToList();
        Assert.Equal([Minister.Name, Adviser.Name, Expert.Name], members.Select(m => m.GetProperty("name").GetString()));
        var added = members[2];
        Assert.Equal(Expert.Function, added.GetProperty("function").GetString());
        Assert.Equal(Expert.Rank, added.GetProperty("rank").GetString());
        Assert.Equal(Expert.Email, added.GetProperty("email").GetString());
        Assert.False(added.GetProperty("isHead").GetBoolean());
        var seat = Assert.Single(members[0].GetProperty("seats").EnumerateArray());
        Assert.Equal(await AreaKit.SessionIdAsync(web, 1), seat.GetProperty("sessionId").GetGuid());
        Assert.Equal("Held", seat.GetProperty("status").GetString());
        Assert.Empty(members[1].GetProperty("seats").EnumerateArray());
        Assert.Empty(members[2].GetProperty("seats").EnumerateArray());

        // Signing out clears the cookie: the area is then closed to this browser.
        await page.Locator("#sign-out").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("You have signed out");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "forum-access");
        Assert.Equal(404, (await page.GotoAsync("/delegation"))!.Status);
    }

    [Fact]
    public async Task Another_delegations_cookie_cannot_reach_it()
    {
        var target = await AreaKit.RegisterAsync(web);
        await AreaKit.AccreditAsync(web, target.Id, target.MemberIds[0]);
        var intruder = await AreaKit.RegisterAsync(web);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, intruder);

        foreach (var path in new[] { "", "/withdraw", "/badge" })
        {
            var response = await page.GotoAsync($"/delegation/member/{target.MemberIds[1]}{path}");
            Assert.Equal(404, response!.Status);
        }

        Assert.Equal(404, (await page.GotoAsync($"/delegation/member/{target.MemberIds[0]}/badge"))!.Status);

        // Posting to another delegation's member changes nothing.
        await page.GotoAsync("/delegation");
        var fields = await page.EvalOnSelectorAsync<string[][]>("form[action$='sign-out']", "f => [...new FormData(f)].map(([k, v]) => [k, String(v)])");
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var field in fields)
        {
            form.Set(field[0], field[1]);
        }

        form.Set("version", "0");
        var post = await page.Context.APIRequest.PostAsync($"/delegation/member/{target.MemberIds[1]}/withdraw", new() { Form = form });
        Assert.Equal(404, post.Status);
        var held = await AreaKit.HeldAsync(web, target.Id);
        Assert.All(held.GetProperty("members").EnumerateArray(), m => Assert.Equal("Active", m.GetProperty("status").GetString()));

        // The intruder's own area shows only its own delegation.
        await page.GotoAsync("/delegation");
        await Expect(page.Locator("h1")).ToContainTextAsync(intruder.Name);
        await Expect(page.Locator("main")).Not.ToContainTextAsync(target.Name);
    }

    [Fact]
    public async Task A_rotated_tokens_link_no_longer_works_and_the_new_one_does()
    {
        var d = await AreaKit.RegisterAsync(web);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d);
        await page.GetByRole(AriaRole.Link, new() { Name = "Get a new access link" }).ClickAsync();
        await page.Locator("#confirm-rotate").ClickAsync();
        var link = await page.Locator("#access-link").GetAttributeAsync("href");
        Assert.NotNull(link);
        Assert.DoesNotContain(d.Token, link, StringComparison.Ordinal);

        // This browser's cookie follows the new token.
        await page.GotoAsync("/delegation");
        await Expect(page.Locator("h1")).ToContainTextAsync(d.Name);

        var elsewhere = await web.NewPageAsync();
        var old = await elsewhere.GotoAsync($"/access/{d.Token}");
        Assert.Equal(404, old!.Status);
        await Expect(elsewhere.Locator("h1")).ToHaveTextAsync("This link no longer works");
        Assert.DoesNotContain(d.Token, await elsewhere.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", await old.HeaderValueAsync("referrer-policy"));
        Assert.DoesNotContain(await elsewhere.Context.CookiesAsync(), c => c.Name == "forum-access");

        await elsewhere.GotoAsync(link);
        await Expect(elsewhere).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/delegation$"));
        await Expect(elsewhere.Locator("h1")).ToContainTextAsync(d.Name);
    }

    [Fact]
    public async Task A_change_made_meanwhile_is_said_plainly_and_the_delegation_shown_as_it_is_now()
    {
        var d = await AreaKit.RegisterAsync(web);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d);
        await page.Locator("#add-member").ClickAsync();
        await page.Locator("#name").FillAsync("Ana Silva");
        await page.Locator("#function").FillAsync("Counsel");
        await page.Locator("#rank").SelectOptionAsync("Expert");
        await page.Locator("#email").FillAsync("ana.silva@example.org");

        // Meanwhile, someone else adds a member with the same token.
        using var other = new HttpClient { BaseAddress = web.Api.Address };
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", d.Token);
        using var added = await other.PostAsync($"api/delegations/{d.Id}/members", System.Net.Http.Json.JsonContent.Create(AreaKit.Member("Jo Weber", "Analyst", "Official", false)));
        Assert.True(added.IsSuccessStatusCode);

        await page.Locator("#save-member").ClickAsync();
        await Expect(page.Locator("#changed-meanwhile")).ToContainTextAsync("Someone changed this delegation meanwhile");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Ana Silva");
        var held = await AreaKit.HeldAsync(web, d.Id);
        Assert.Equal(3, held.GetProperty("members").GetArrayLength());

        // Sent again, the change meets the quota (3) and is refused in plain words.
        await page.Locator("#save-member").ClickAsync();
        await Expect(page.Locator(".error-summary")).ToContainTextAsync("at most 3 members");
    }

    [Fact]
    public async Task A_refused_seat_is_explained_in_plain_words()
    {
        var d = await AreaKit.RegisterAsync(web, headRank: "SeniorOfficial");
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d);
        await page.Locator("#ask-seats").ClickAsync();

        await page.Locator("#request-seats").ClickAsync();
        await Expect(page.Locator(".error-summary a")).ToHaveCountAsync(2);
        await Expect(page.Locator("#session-error")).ToContainTextAsync("Choose the session");
        await Expect(page.Locator("#members-error")).ToContainTextAsync("Choose at least one member");

        // The ministerial session seats a head of ministerial rank only.
        await page.Locator("#session-2").CheckAsync();
        await page.Locator($"#seat-member-{d.MemberIds[0]:N}").CheckAsync();
        await page.Locator("#request-seats").ClickAsync();
        await Expect(page.Locator("#members-error")).ToContainTextAsync("ministerial rank");
        await Expect(page.Locator("#session-2")).ToBeCheckedAsync();
        var held = await AreaKit.HeldAsync(web, d.Id);
        Assert.All(held.GetProperty("members").EnumerateArray(), m => Assert.Empty(m.GetProperty("seats").EnumerateArray()));
    }

    [Fact]
    public async Task A_member_is_withdrawn_after_a_confirmation_and_another_replaced()
    {
        var d = await AreaKit.RegisterAsync(web);
        var page = await web.NewPageAsync(javaScript: false);
        await AreaKit.OpenAsync(page, d);
        await page.Locator($"#member-{d.MemberIds[1]:N}").GetByRole(AriaRole.Link, new() { Name = "Withdraw" }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Withdraw Tom Berg?");
        await page.Locator("#confirm-withdraw").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The member was withdrawn");
        await Expect(page.Locator("section.member")).ToHaveCountAsync(1);

        await page.Locator($"#member-{d.MemberIds[0]:N}").GetByRole(AriaRole.Link, new() { Name = "Replace" }).ClickAsync();
        await Expect(page.Locator("#is-head")).ToBeCheckedAsync();
        await page.Locator("#name").FillAsync("Eva Lind");
        await page.Locator("#function").FillAsync("Chief executive");
        await page.Locator("#rank").SelectOptionAsync("HeadOfOrganisation");
        await page.Locator("#email").FillAsync("not-an-address");
        await page.Locator("#save-member").ClickAsync();
        await Expect(page.Locator("#email-error")).ToContainTextAsync("correct format");
        await page.Locator("#email").FillAsync("eva.lind@example.org");
        await page.Locator("#save-member").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The member was replaced");

        var held = await AreaKit.HeldAsync(web, d.Id);
        var statuses = held.GetProperty("members").EnumerateArray().Select(m => (m.GetProperty("name").GetString(), m.GetProperty("status").GetString())).ToList();
        Assert.Equal([("Maria Keller", "Replaced"), ("Tom Berg", "Withdrawn"), ("Eva Lind", "Active")], statuses);
    }
}
