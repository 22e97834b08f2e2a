extern alias web;

using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

[Collection(WebCollection.Name)]
public sealed class SubscribeTests(WebFixture web)
{
    [Fact]
    public async Task The_copy_button_copies_the_https_address_and_says_so()
    {
        var page = await web.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync($"/conferences/{web.Slug}/subscribe");
        var address = await page.Locator("#feed-address").InputValueAsync();
        Assert.StartsWith("http", address, StringComparison.Ordinal);
        Assert.EndsWith($"/calendars/{web.Slug}.ics", address, StringComparison.Ordinal);

        var button = page.GetByRole(AriaRole.Button, new() { Name = "Copy the address" });
        await button.ClickAsync();
        await Expect(page.Locator("#feed-address-copied")).ToHaveTextAsync("Address copied");
        Assert.Equal(address, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
    }

    [Fact]
    public async Task Without_JavaScript_there_is_no_copy_button_and_the_address_is_there_to_select()
    {
        var page = await web.NewPageAsync(javaScript: false);
        await page.GotoAsync($"/fr/conferences/{web.Slug}/subscribe");
        await Expect(page.Locator("#feed-address")).ToBeVisibleAsync();
        await Expect(page.Locator("button[data-copy]")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_QR_code_is_the_webcal_link_drawn_server_side_and_named_for_screen_readers()
    {
        var page = await web.NewPageAsync(javaScript: false);
        await page.GotoAsync($"/conferences/{web.Slug}/subscribe");
        var webcal = await page.Locator("a[href^='webcal://']").GetAttributeAsync("href");
        var qr = page.Locator(".qr svg");
        await Expect(qr).ToHaveAttributeAsync("role", "img");
        await Expect(qr).ToHaveAttributeAsync("aria-label", "QR code of the calendar feed's address");
        // The modules drawn are those of the webcal link (QRCoder's, at error correction M).
        var expected = Forum.Design.QrCode.Svg(webcal!, "x");
        var expectedPath = System.Text.RegularExpressions.Regex.Match(expected, "d=\"([^\"]+)\"").Groups[1].Value;
        await Expect(qr.Locator("path")).ToHaveAttributeAsync("d", expectedPath);
    }
}
