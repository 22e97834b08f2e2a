using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

[Collection(StaffCollection.Name)]
public sealed class VersionsTests(StaffFixture staff)
{
    private async Task<Guid> ScheduleAsync(string slug, Guid room, string title, string start, string end) =>
        (await staff.PostAsync($"api/conferences/{slug}/sessions", new { kind = "Plenary", title, roomId = room, start, end, speakers = Array.Empty<string>(), isPublic = true }))
            .GetProperty("id").GetGuid();

    /// <summary>Changes a session through the API as the board would: its current body with <paramref name="change"/> applied.</summary>
    private async Task ChangeAsync(string slug, Guid id, Action<JsonObject> change)
    {
        var session = JsonNode.Parse((await staff.GetAsync($"api/conferences/{slug}/sessions/{id}")).GetRawText())!.AsObject();
        var body = new JsonObject();
        foreach (var field in new[] { "kind", "title", "description", "roomId", "start", "end", "chair", "speakers", "isPublic", "expectedAttendance" })
        {
            body[field] = session[field]?.DeepClone();
        }

        change(body);
        using var response = await staff.ApiOrganiser.PutAsJsonAsync($"api/conferences/{slug}/sessions/{id}", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the clock has passed the next whole second (a deadline of 3 s), and answers that second.</summary>
    private static async Task<DateTimeOffset> NextSecondAsync()
    {
        var start = DateTimeOffset.UtcNow;
        var next = start.AddTicks(TimeSpan.TicksPerSecond - (start.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(1);
        while (DateTimeOffset.UtcNow < next)
        {
            Assert.True(DateTimeOffset.UtcNow - start < TimeSpan.FromSeconds(3), "the clock did not move on");
            await Task.Delay(20);
        }

        return next.AddTicks(-(next.Ticks % TimeSpan.TicksPerSecond));
    }

    [Fact]
    public async Task Every_published_version_is_listed_with_its_changes_in_words_and_the_agenda_is_shown_as_it_stood_at_a_moment()
    {
        var slug = await staff.ConferenceAsync(publish: true);
        var a = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Salle Europa", capacity = 200, interpretation = new[] { "en", "fr" } })).GetProperty("id").GetGuid();
        var b = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Salle Spinelli", capacity = 200, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        var opening = await ScheduleAsync(slug, a, "Opening plenary", "2027-03-10T09:00", "2027-03-10T10:00");
        var workshop = await ScheduleAsync(slug, b, "Workshop on hotlines", "2027-03-10T14:00", "2027-03-10T15:00");
        var panel = await ScheduleAsync(slug, a, "Panel on reporting", "2027-03-11T15:00", "2027-03-11T16:00");
        await staff.PostAsync($"api/conferences/{slug}/agenda/publish", null);

        // A moment between the two versions, in whole seconds: more than a second after the first, before the second.
        var between = (await NextSecondAsync()).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await NextSecondAsync();
        await ChangeAsync(slug, opening, s => { s["start"] = "2027-03-10T10:00"; s["end"] = "2027-03-10T11:00"; s["roomId"] = b.ToString(); });
        await ChangeAsync(slug, panel, s => s["title"] = "Panel on reporting abuse");
        await ScheduleAsync(slug, a, "Press conference", "2027-03-10T12:00", "2027-03-10T12:30");
        await staff.PostAsync($"api/conferences/{slug}/sessions/{workshop}/cancel", new { reason = "The speakers cannot come." });
        await staff.PostAsync($"api/conferences/{slug}/agenda/publish", null);

        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Agenda versions" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Agenda versions");
        await Expect(page.Locator("#versions > li")).ToHaveCountAsync(2);
        var second = page.Locator("#version-2 li");
        await Expect(second).ToHaveTextAsync(
        [
            "“Opening plenary” moved from Wednesday 10 March 2027, 09:00–10:00 CET to Wednesday 10 March 2027, 10:00–11:00 CET.",
            "“Opening plenary” changed rooms: from Salle Europa to Salle Spinelli.",
            "“Press conference” added: Wednesday 10 March 2027, 12:00–12:30 CET, Salle Europa.",
            "“Workshop on hotlines” cancelled: The speakers cannot come.",
            "“Panel on reporting” renamed “Panel on reporting abuse”.",
        ]);
        await Expect(page.Locator("#version-2")).ToContainTextAsync("by organiser:test-organiser.");
        await Expect(page.Locator("#version-1 li")).ToHaveTextAsync(
        [
            "“Opening plenary” added: Wednesday 10 March 2027, 09:00–10:00 CET, Salle Europa.",
            "“Workshop on hotlines” added: Wednesday 10 March 2027, 14:00–15:00 CET, Salle Spinelli.",
            "“Panel on reporting” added: Thursday 11 March 2027, 15:00–16:00 CET, Salle Europa.",
        ]);

        // The agenda as it stood between the versions: the first version's.
        await page.GetByLabel("Moment (UTC)").FillAsync(between);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.Locator("#as-of-heading")).ToHaveTextAsync($"The agenda as it stood at {between[..10]} {between[11..19]} UTC");
        await Expect(page.Locator("#as-of-agenda")).ToContainTextAsync("Version 1, published");
        await Expect(page.Locator("#as-of-agenda h4")).ToHaveTextAsync(["Wednesday 10 March 2027", "Thursday 11 March 2027"]);
        await Expect(page.Locator("#as-of-agenda h5")).ToHaveTextAsync(["Salle Europa", "Salle Spinelli", "Salle Europa"]);
        await Expect(page.Locator("#as-of-agenda .as-of-session")).ToHaveTextAsync(["Opening plenary", "Workshop on hotlines", "Panel on reporting"]);
        await Expect(page.Locator("#as-of-agenda .tag-cancelled")).ToHaveCountAsync(0);
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-versions");
        await page.SetViewportSizeAsync(1280, 900);

        // Before anything was published, and a moment that is not one.
        await page.GetByLabel("Moment (UTC)").FillAsync("2020-01-01T00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.Locator("#as-of-none")).ToHaveTextAsync("No version of the agenda had been published by then.");
        await page.GetByLabel("Moment (UTC)").FillAsync("yesterday");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.Locator(".error-summary")).ToContainTextAsync("Write the moment as a date and time in UTC");
        await PageChecks.AxeAsync(page, "staff-versions-error");

        await page.GotoAsync($"/fr/conferences/{slug}/versions?asOf={between}");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Versions du programme");
        await Expect(page.Locator("#version-2 li").Nth(3)).ToHaveTextAsync("« Workshop on hotlines » annulée : The speakers cannot come.");
        await Expect(page.Locator("#as-of-agenda h4").First).ToHaveTextAsync("mercredi 10 mars 2027");
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-versions.fr");
    }
}
