using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

[Collection(WebCollection.Name)]
public sealed class SeriesPageTests(WebFixture web)
{
    [Fact]
    public async Task The_home_page_and_an_edition_link_to_the_series_which_lists_its_editions_and_their_declarations()
    {
        await web.DemoAsync();
        var page = await web.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Technology Coalition Annual Forum", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/series/tech-coalition-forum$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Technology Coalition Annual Forum");
        // Latest edition first.
        await Expect(page.Locator(".conference-list h3 a")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("2021"), new System.Text.RegularExpressions.Regex("2020")]);
        var declaration = page.Locator("#declarations + ul li");
        await Expect(declaration).ToHaveCountAsync(1);
        await Expect(declaration).ToContainTextAsync("Project Protect");
        await Expect(declaration).ToContainTextAsync("7 parties bound by it");
        await declaration.Locator("a").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Project Protect");

        await page.GotoAsync("/fr/conferences/tech-coalition-forum-2021");
        await page.GetByRole(AriaRole.Link, new() { Name = "Toutes les éditions de cette série et ses déclarations" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/fr/series/tech-coalition-forum$"));
        await Expect(page.Locator("main")).ToContainTextAsync("Éditions");

        using var client = new HttpClient { BaseAddress = web.Web.Address };
        using var missing = await client.GetAsync("/series/no-such-series");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }
}
