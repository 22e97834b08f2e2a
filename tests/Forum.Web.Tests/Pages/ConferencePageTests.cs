using System.Net;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

/// <summary>The conference page is kept by the web client between requests: what people see must still be what the API holds.</summary>
[Collection(WebCollection.Name)]
public sealed class ConferencePageTests(WebFixture web)
{
    [Fact]
    public async Task The_conference_page_shows_what_the_API_holds_as_soon_as_it_changes()
    {
        var slug = "current-" + Guid.NewGuid().ToString("N")[..8];
        await web.PostAsync("api/conferences", new
        {
            slug, title = "Kept but current", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2012-12-05", lastDay = "2012-12-05", languages = new[] { "en" }, capacity = 100, delegationQuota = 3,
        });
        await web.PostAsync($"api/conferences/{slug}/publish", null);
        var hall = (await web.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 100, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        object Session(string title, string start, string end) =>
            new { kind = "Workshop", title, roomId = hall, start, end, speakers = Array.Empty<string>(), isPublic = true };
        await web.PostAsync($"api/conferences/{slug}/sessions", Session("Opening", "2012-12-05T09:30", "2012-12-05T10:30"));
        await web.PostAsync($"api/conferences/{slug}/agenda/publish", null);

        using var browser = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }) { BaseAddress = web.Web.Address };
        browser.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Encoding", "br, gzip");
        async Task<string> PageAsync() => WebUtility.HtmlDecode(await browser.GetStringAsync($"/conferences/{slug}"));

        // Asked twice, so that the second answer is the kept one.
        for (var i = 0; i < 2; i++)
        {
            var first = await PageAsync();
            Assert.Contains("Opening", first);
            Assert.DoesNotContain("Closing", first);
            Assert.DoesNotContain("Register a delegation", first);
        }

        await web.PostAsync($"api/conferences/{slug}/sessions", Session("Closing", "2012-12-05T16:00", "2012-12-05T17:00"));
        var unpublished = await PageAsync();
        Assert.DoesNotContain("Closing", unpublished);

        await web.PostAsync($"api/conferences/{slug}/agenda/publish", null);
        var second = await PageAsync();
        Assert.Contains("Closing", second);
        Assert.Contains("“Closing” is added", second);

        await web.PostAsync($"api/conferences/{slug}/registration/open", null);
        Assert.Contains("Register a delegation", await PageAsync());

        await web.PostAsync($"api/conferences/{slug}/cancel", new { reason = "The venue is closed." });
        var cancelled = await PageAsync();
        Assert.Contains("The venue is closed.", cancelled);
        Assert.DoesNotContain("Register a delegation", cancelled);
    }

    [Fact]
    public async Task The_agenda_grid_is_laid_out_under_the_content_security_policy_also_when_the_page_is_kept()
    {
        var page = await web.NewPageAsync(width: 1280);
        var refused = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                refused.Add(message.Text);
            }
        };

        foreach (var path in new[] { $"/conferences/{web.Slug}", $"/conferences/{web.Slug}", $"/fr/conferences/{web.Slug}" })
        {
            await page.GotoAsync(path);
            var opening = page.Locator(".agenda-session", new PageLocatorOptions { HasText = "Opening of the conference" }).First;
            await Expect(opening).ToBeVisibleAsync();

            // Placed by the inline style the policy allows by its hash: without it the grid puts the session in column auto.
            var column = await opening.EvaluateAsync<string>("e => getComputedStyle(e).gridColumnStart");
            Assert.NotEqual("auto", column);
        }

        Assert.Empty(refused);
    }
}
