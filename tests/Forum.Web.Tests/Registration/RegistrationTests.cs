using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Forum.Web.Tests.Registration.RegistrationForms;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Registration;

[Collection(WebCollection.Name)]
public sealed class RegistrationTests(WebFixture web)
{
    private static readonly Person FocalPoint = new("Anne Dupont", "", "", "anne.dupont@example.org");

    private static readonly Person Minister = new("Annelies Verlinden", "Minister of Justice", "Minister", "minister@example.org", FullPowers: true);

    private static readonly Person Adviser = new("Jan Peeters", "Adviser on cybercrime", "SeniorOfficial", "jan.peeters@example.org");

    [Fact]
    public Task A_delegation_registers_end_to_end_through_the_form_and_the_API_then_holds_exactly_that() => RegistersAsync(javaScript: true, "BE");

    [Fact]
    public Task A_delegation_registers_the_same_way_with_JavaScript_switched_off() => RegistersAsync(javaScript: false, "NL");

    [Fact]
    public async Task The_French_confirmations_access_link_keeps_fr_and_opens_the_French_area()
    {
        // A conference of its own, so the party is free whatever the other tests registered.
        var setup = await Area.DeclarationKit.ConferenceAsync(web, declaration: false);
        var page = await web.NewPageAsync();
        await OpenAsync(page, setup.Slug, "/fr");
        await FillAsync(page, "FR", FocalPoint, [Minister]);
        var link = await SubmitAndReadAccessLinkAsync(page);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Délégation inscrite");
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(web.Web.Address.ToString().TrimEnd('/'))}/fr/access/[A-Za-z0-9_-]{{43}}$", link);

        await page.GotoAsync(link);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/fr/delegation$"));
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Expect(page.Locator("h1")).ToContainTextAsync("Délégation : France");
        await Expect(page.Locator("#members")).ToHaveTextAsync("Membres");
    }

    private async Task RegistersAsync(bool javaScript, string state)
    {
        var page = await web.NewPageAsync(javaScript);
        await OpenAsync(page, web.Slug);
        await FillAsync(page, state, FocalPoint, [Minister, Adviser]);
        var accessLink = await SubmitAndReadAccessLinkAsync(page);

        await Expect(page.Locator("h1")).ToHaveTextAsync("Delegation registered");
        var token = accessLink.Split("/access/")[1];
        var held = Assert.Single(await web.DelegationsAsync(state));
        Assert.Equal("State", held.GetProperty("party").GetProperty("kind").GetString());
        Assert.Equal(FocalPoint.Name, held.GetProperty("focalPoint").GetProperty("name").GetString());
        Assert.Equal(FocalPoint.Email, held.GetProperty("focalPoint").GetProperty("email").GetString());
        var members = held.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        AssertMember(members[0], Minister, isHead: true);
        AssertMember(members[1], Adviser, isHead: false);

        // The link's token is the delegation's: the API lets its focal point in with it.
        using var focal = new HttpClient { BaseAddress = web.Api.Address };
        focal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Uri.UnescapeDataString(token));
        using var own = await focal.GetAsync($"api/delegations/{held.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    private static void AssertMember(JsonElement member, Person expected, bool isHead)
    {
        Assert.Equal(expected.Name, member.GetProperty("name").GetString());
        Assert.Equal(expected.Function, member.GetProperty("function").GetString());
        Assert.Equal(expected.Rank, member.GetProperty("rank").GetString());
        Assert.Equal(expected.Email, member.GetProperty("email").GetString());
        Assert.Equal(isHead, member.GetProperty("isHead").GetBoolean());
        Assert.Equal(expected.FullPowers, member.GetProperty("hasFullPowers").GetBoolean());
    }

    [Fact]
    public async Task A_refused_registration_keeps_what_was_typed_and_links_each_error_to_its_field()
    {
        var page = await web.NewPageAsync();
        await OpenAsync(page, web.Slug);
        await FillAsync(page, "LU", FocalPoint with { Email = "anne.dupont-at-example" }, [Minister, Adviser with { Function = "" }]);
        await page.Locator("#register").ClickAsync();

        var summary = page.Locator(".error-summary");
        await Expect(summary).ToBeVisibleAsync();
        await Expect(summary.Locator("h2")).ToHaveTextAsync("There is a problem");
        await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^Error: "));
        var links = summary.Locator("a");
        await Expect(links).ToHaveCountAsync(2);
        await Expect(links.Nth(0)).ToHaveAttributeAsync("href", "#focal-point-email");
        await Expect(links.Nth(1)).ToHaveAttributeAsync("href", "#member-1-function");
        await Expect(page.Locator("#focal-point-email-error")).ToContainTextAsync("correct format");
        await Expect(page.Locator("#member-1-function-error")).ToContainTextAsync("Member 2: enter the function");
        await Expect(page.Locator("#focal-point-email")).ToHaveAttributeAsync("aria-describedby", "focal-point-email-error");

        // What was typed is still there.
        await Expect(page.Locator("#state-code")).ToHaveValueAsync("LU");
        await Expect(page.Locator("#focal-point-name")).ToHaveValueAsync(FocalPoint.Name);
        await Expect(page.Locator("#focal-point-email")).ToHaveValueAsync("anne.dupont-at-example");
        await Expect(page.Locator("#member-0-name")).ToHaveValueAsync(Minister.Name);
        await Expect(page.Locator("#member-0-rank")).ToHaveValueAsync(Minister.Rank);
        await Expect(page.Locator("#member-0-full-powers")).ToBeCheckedAsync();
        await Expect(page.Locator("#member-1-email")).ToHaveValueAsync(Adviser.Email);
        await Expect(page.Locator("#head-0")).ToBeCheckedAsync();
        Assert.Empty(await web.DelegationsAsync("LU"));

        // A link of the summary takes the reader to its field.
        await links.Nth(1).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#member-1-function$"));

        // Corrected, the same form (and its Idempotency-Key) registers.
        await page.Locator("#focal-point-email").FillAsync(FocalPoint.Email);
        await page.Locator("#member-1-function").FillAsync(Adviser.Function);
        await SubmitAndReadAccessLinkAsync(page);
        Assert.Single(await web.DelegationsAsync("LU"));
    }

    [Fact]
    public async Task A_refusal_in_French_is_written_in_French()
    {
        var page = await web.NewPageAsync();
        await OpenAsync(page, web.Slug, "/fr");
        await page.Locator("#register").ClickAsync();
        var summary = page.Locator(".error-summary");
        await Expect(summary.Locator("h2")).ToHaveTextAsync("Il y a un problème");
        await Expect(summary).ToContainTextAsync("Choisissez l'État");
        await Expect(page.Locator("#member-0-name-error")).ToContainTextAsync("Membre 1 : saisissez le nom complet");
    }

    [Fact]
    public async Task A_double_submit_makes_one_delegation()
    {
        var page = await web.NewPageAsync();
        await OpenAsync(page, web.Slug);
        await FillAsync(page, "PT", FocalPoint, [Minister]);
        var fields = await page.EvalOnSelectorAsync<string[][]>("form", "f => [...new FormData(f)].map(([k, v]) => [k, String(v)])");

        // The form sent twice at once, as a double click or a flaky network sends it: same fields, same key, same cookies.
        async Task<string> SendAsync()
        {
            var form = page.Context.APIRequest.CreateFormData();
            foreach (var field in fields)
            {
                form.Set(field[0], field[1]);
            }

            var response = await page.Context.APIRequest.PostAsync(page.Url, new() { Form = form });
            Assert.Equal(200, response.Status);
            return System.Text.RegularExpressions.Regex.Match(await response.TextAsync(), "/access/([A-Za-z0-9_-]+)").Groups[1].Value;
        }

        var tokens = await Task.WhenAll(SendAsync(), SendAsync());
        Assert.NotEmpty(tokens[0]);
        Assert.Equal(tokens[0], tokens[1]);
        Assert.Single(await web.DelegationsAsync("PT"));
    }

    [Fact]
    public async Task Sending_the_same_form_again_after_going_back_shows_the_same_delegation_and_makes_no_second()
    {
        var page = await web.NewPageAsync(javaScript: false);
        await OpenAsync(page, web.Slug);
        await FillAsync(page, "AT", FocalPoint, [Minister]);
        var key = await page.Locator("input[name='Form.IdempotencyKey']").InputValueAsync();
        Assert.Matches("^[0-9a-f]{32}$", key);
        var first = await SubmitAndReadAccessLinkAsync(page);

        // The browser's "back" and "send again" is the same POST again; the API answers it as the first time.
        await page.ReloadAsync();
        await Expect(page.Locator("#access-link")).ToBeVisibleAsync();
        Assert.Equal(first, await page.Locator("#access-link").GetAttributeAsync("href"));
        Assert.Single(await web.DelegationsAsync("AT"));
    }

    [Fact]
    public async Task Members_rows_are_added_and_removed_without_JavaScript_up_to_the_quota()
    {
        var page = await web.NewPageAsync(javaScript: false);
        await OpenAsync(page, web.Slug);
        await FillMemberAsync(page, 0, Minister);
        var add = page.GetByRole(AriaRole.Button, new() { Name = "Add another member" });
        await add.ClickAsync();
        await FillMemberAsync(page, 1, Adviser);
        await add.ClickAsync();
        await Expect(page.Locator("fieldset.member")).ToHaveCountAsync(WebFixture.DelegationQuota);
        await Expect(add).ToHaveCountAsync(0);
        await Expect(page.Locator("main")).ToContainTextAsync($"the most it can have");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove member 1" }).ClickAsync();
        await Expect(page.Locator("fieldset.member")).ToHaveCountAsync(WebFixture.DelegationQuota - 1);
        await Expect(page.Locator("#member-0-name")).ToHaveValueAsync(Adviser.Name);
    }
}
