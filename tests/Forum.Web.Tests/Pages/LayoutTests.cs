using Forum.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

/// <summary>The shared layout's head: an icon (no 404 in a browser's console), a description, absolute language alternates.</summary>
[Collection(WebCollection.Name)]
public sealed class LayoutTests(WebFixture web)
{
    [Fact]
    public async Task Every_page_names_its_icon_a_description_and_its_languages_by_absolute_address()
    {
        var page = await web.NewPageAsync();
        var missing = new List<string>();
        page.Response += (_, r) => { if (r.Status == 404) { missing.Add(r.Url); } };
        await page.GotoAsync($"/fr/conferences/{web.Slug}");
        await Expect(page.Locator("meta[name=description]")).ToHaveAttributeAsync("content", "Forum organise les conférences des alliances internationales.");
        var origin = web.Web.Address.ToString().TrimEnd('/');
        await Expect(page.Locator("link[rel=alternate][hreflang=en]")).ToHaveAttributeAsync("href", $"{origin}/conferences/{web.Slug}");
        await Expect(page.Locator("link[rel=alternate][hreflang=fr]")).ToHaveAttributeAsync("href", $"{origin}/fr/conferences/{web.Slug}");
        Assert.Empty(missing);

        using var http = new HttpClient { BaseAddress = web.Web.Address };
        using var icon = await http.GetAsync("/favicon.ico");
        Assert.True(icon.IsSuccessStatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }
}
