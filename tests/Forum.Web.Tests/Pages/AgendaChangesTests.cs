using Forum.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

[Collection(WebCollection.Name)]
public sealed class AgendaChangesTests(WebFixture web)
{
    [Fact]
    public async Task The_conference_page_says_in_plain_words_what_changed_since_the_previous_version()
    {
        var slug = "changes-" + Guid.NewGuid().ToString("N")[..8];
        await web.PostAsync("api/conferences", new
        {
            slug, title = "Agenda changes", venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" }, timeZone = "Europe/Brussels",
            firstDay = "2012-12-05", lastDay = "2012-12-06", languages = new[] { "en", "fr" }, capacity = 100, delegationQuota = 3,
        });
        await web.PostAsync($"api/conferences/{slug}/publish", null);
        var hall = (await web.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 100, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        var room2 = (await web.PostAsync($"api/conferences/{slug}/rooms", new { name = "Room 2", capacity = 50, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        object Session(string title, Guid room, string start, string end) =>
            new { kind = "Workshop", title, roomId = room, start, end, speakers = Array.Empty<string>(), isPublic = true };
        var moved = (await web.PostAsync($"api/conferences/{slug}/sessions", Session("Victims", hall, "2012-12-05T09:30", "2012-12-05T10:30"))).GetProperty("id").GetGuid();
        var reRoomed = (await web.PostAsync($"api/conferences/{slug}/sessions", Session("Offenders", hall, "2012-12-05T11:00", "2012-12-05T12:00"))).GetProperty("id").GetGuid();
        var cancelled = (await web.PostAsync($"api/conferences/{slug}/sessions", Session("Awareness", room2, "2012-12-05T09:30", "2012-12-05T10:30"))).GetProperty("id").GetGuid();
        await web.PostAsync($"api/conferences/{slug}/agenda/publish", null);

        await web.PutAsync($"api/conferences/{slug}/sessions/{moved}", Session("Victims", hall, "2012-12-06T14:00", "2012-12-06T15:00"));
        await web.PutAsync($"api/conferences/{slug}/sessions/{reRoomed}", Session("Offenders", room2, "2012-12-05T11:00", "2012-12-05T12:00"));
        await web.PostAsync($"api/conferences/{slug}/sessions/{cancelled}/cancel", new { reason = "The speakers cannot come." });
        await web.PostAsync($"api/conferences/{slug}/sessions", Session("Risk reduction", hall, "2012-12-05T16:00", "2012-12-05T17:00"));
        await web.PostAsync($"api/conferences/{slug}/agenda/publish", null);

        var page = await web.NewPageAsync();
        await page.GotoAsync($"/conferences/{slug}");
        var changes = page.Locator(".agenda-changes");
        await Expect(changes.Locator("h3")).ToHaveTextAsync("What changed since version 1");
        await Expect(changes.Locator("li")).ToHaveCountAsync(4);
        await Expect(changes).ToContainTextAsync("“Victims” moves from Wednesday 5 December 2012, 09:30–10:30 CET to Thursday 6 December 2012, 14:00–15:00 CET.");
        await Expect(changes).ToContainTextAsync("“Offenders” is now in Room 2 (it was in Plenary Hall).");
        await Expect(changes).ToContainTextAsync("“Awareness” is cancelled.");
        await Expect(changes).ToContainTextAsync("“Risk reduction” is added: Wednesday 5 December 2012, 16:00–17:00 CET, Plenary Hall.");

        await page.GotoAsync($"/fr/conferences/{slug}");
        await Expect(changes.Locator("h3")).ToHaveTextAsync("Ce qui a changé depuis la version 1");
        await Expect(changes).ToContainTextAsync("La session « Victims » passe du mercredi 5 décembre 2012, 9 h 30–10 h 30 CET au jeudi 6 décembre 2012, 14 h 00–15 h 00 CET.");
        await Expect(changes).ToContainTextAsync("La session « Awareness » est annulée.");

        // The first version has nothing to compare with.
        await page.GotoAsync($"/conferences/{web.Slug}");
        await Expect(page.Locator(".agenda-changes")).ToHaveCountAsync(0);
    }
}
