using Forum.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Area;

/// <summary>Handing the delegation to another focal point from the area.</summary>
[Collection(WebCollection.Name)]
public sealed class FocalPointTests(WebFixture web)
{
    [Fact]
    public async Task The_focal_point_is_changed_from_the_area_and_a_refused_address_keeps_what_was_typed()
    {
        var d = await AreaKit.RegisterAsync(web);
        var page = await web.NewPageAsync(javaScript: false);
        await AreaKit.OpenAsync(page, d);
        await page.Locator("#change-focal-point").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Change the focal point");

        await page.Locator("#name").FillAsync("Ingrid Sørensen");
        await page.Locator("#email").FillAsync("not an address");
        await page.Locator("#save-focal-point").ClickAsync();
        await Expect(page.Locator(".error-summary a[href='#email']")).ToContainTextAsync("Enter the focal point's email address in the correct format");
        await Expect(page.Locator("#email-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#name")).ToHaveValueAsync("Ingrid Sørensen");
        await Expect(page.Locator("#email")).ToHaveValueAsync("not an address");
        await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^Error: "));

        await page.Locator("#email").FillAsync("ingrid.sorensen@example.org");
        await page.Locator("#save-focal-point").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The focal point was changed");
        await Expect(page.Locator("main")).ToContainTextAsync("Ingrid Sørensen, ingrid.sorensen@example.org");

        var held = (await AreaKit.HeldAsync(web, d.Id)).GetProperty("focalPoint");
        Assert.Equal("Ingrid Sørensen", held.GetProperty("name").GetString());
        Assert.Equal("ingrid.sorensen@example.org", held.GetProperty("email").GetString());

        // The access link is unchanged: the same cookie still opens the area.
        await page.GotoAsync("/delegation");
        await Expect(page.Locator("h1")).ToContainTextAsync(d.Name);
    }
}
