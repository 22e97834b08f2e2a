using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

/// <summary>The organisers' pages in English and in French: their words, axe-core's WCAG 2.1 A and AA rules, three widths.</summary>
[Collection(StaffCollection.Name)]
public sealed class StaffPagesTests(StaffFixture staff)
{
    public static TheoryData<string, string> Pages()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in new[] { "conferences", "new-conference", "new-conference-refused", "conference", "cancel-conference", "board", "board-moving", "schedule", "schedule-refused", "change-session", "cancel-session", "publish-agenda", "history", "forbidden", "signed-out", "accessibility", "not-found" })
        {
            data.Add(page, "en");
            data.Add(page, "fr");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_staff_page_reads_in_its_language_passes_axe_and_is_photographed_at_three_widths(string name, string lang)
    {
        var fr = lang == "fr";
        var prefix = fr ? "/fr" : "";
        var (slug, session) = await AgendaAsync();
        var page = await staff.NewPageAsync();
        var account = name == "forbidden" ? StaffFixture.Protocol : StaffFixture.Organiser;
        if (name != "signed-out" && name != "accessibility")
        {
            await staff.SignInAsync(page, account, prefix + "/");
        }

        string heading;
        switch (name)
        {
            case "conferences":
                heading = fr ? "Conférences" : "Conferences";
                break;
            case "new-conference":
                await page.GotoAsync(prefix + "/conferences/new");
                heading = fr ? "Créer une conférence" : "Create a conference";
                break;
            case "new-conference-refused":
                await page.GotoAsync(prefix + "/conferences/new");
                await page.Locator("button[type=submit].button").ClickAsync();
                await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
                heading = fr ? "Créer une conférence" : "Create a conference";
                break;
            case "conference":
                await page.GotoAsync($"{prefix}/conferences/{slug}");
                heading = "Ministerial conference";
                break;
            case "cancel-conference":
                await page.GotoAsync($"{prefix}/conferences/{slug}/cancel");
                heading = fr ? "Annuler la conférence" : "Cancel the conference";
                break;
            case "board":
                await page.GotoAsync($"{prefix}/conferences/{slug}/board");
                heading = fr ? "Tableau du programme" : "Agenda board";
                break;
            case "board-moving":
                // The board while a session is being moved from the keyboard: axe checks the moving card and the announcement.
                await page.GotoAsync($"{prefix}/conferences/{slug}/board");
                await page.Locator(".move-button").First.ClickAsync();
                await page.Keyboard.PressAsync("ArrowDown");
                await Expect(page.Locator("#board-live")).Not.ToBeEmptyAsync();
                heading = fr ? "Tableau du programme" : "Agenda board";
                break;
            case "schedule":
                await page.GotoAsync($"{prefix}/conferences/{slug}/sessions");
                heading = fr ? "Programmer une séance" : "Schedule a session";
                break;
            case "schedule-refused":
                await page.GotoAsync($"{prefix}/conferences/{slug}/sessions?day=2027-03-10");
                await page.Locator("#title").FillAsync("Press briefing");
                await page.Locator("#start").FillAsync("2027-03-10T09:30");
                await page.Locator("#end").FillAsync("2027-03-10T10:30");
                await page.Locator("#save").ClickAsync();
                await Expect(page.Locator("#room-error")).ToContainTextAsync("Opening");
                heading = fr ? "Programmer une séance" : "Schedule a session";
                break;
            case "change-session":
                await page.GotoAsync($"{prefix}/conferences/{slug}/sessions/{session}");
                heading = fr ? "Modifier" : "Change";
                break;
            case "cancel-session":
                await page.GotoAsync($"{prefix}/conferences/{slug}/sessions/{session}/cancel");
                heading = fr ? "Annuler Opening" : "Cancel Opening";
                break;
            case "publish-agenda":
                await page.GotoAsync($"{prefix}/conferences/{slug}/publish-agenda");
                heading = fr ? "Publier le programme" : "Publish the agenda";
                break;
            case "history":
                await page.GotoAsync($"{prefix}/conferences/{slug}/history");
                heading = fr ? "Historique" : "History";
                break;
            case "forbidden":
                await page.GotoAsync($"{prefix}/conferences/{slug}/board");
                heading = fr ? "Cette page est réservée aux organisateurs" : "This page is for organisers";
                break;
            case "signed-out":
                await page.GotoAsync(prefix + "/signed-out");
                heading = fr ? "Vous êtes déconnecté" : "You are signed out";
                break;
            case "accessibility":
                await page.GotoAsync(prefix + "/accessibility");
                heading = fr ? "Accessibilité des pages de l'équipe" : "Accessibility of the staff pages";
                break;
            case "not-found":
                await page.GotoAsync(prefix + "/conferences/no-such-conference");
                heading = fr ? "Page introuvable" : "Page not found";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such page");
        }

        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", lang);
        await Expect(page.Locator("h1")).ToContainTextAsync(heading);
        await Expect(page.Locator(".header-language a")).ToHaveTextAsync(fr ? "English" : "Français");
        await PageChecks.AxeAndScreenshotsAsync(page, $"staff-{name}.{lang}");
    }

    /// <summary>A conference of its own with two rooms and two sessions, one published version, then a change.</summary>
    private async Task<(string Slug, Guid Session)> AgendaAsync()
    {
        var slug = await staff.ConferenceAsync(publish: true);
        var plenary = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 200, interpretation = new[] { "en", "fr" } })).GetProperty("id").GetGuid();
        var room2 = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Room 2", capacity = 60, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        object Session(string kind, string title, Guid room, string start, string end, bool isPublic = true) =>
            new { kind, title, roomId = room, start, end, chair = "Cecilia Malmström", speakers = Array.Empty<string>(), isPublic };
        var opening = (await staff.PostAsync($"api/conferences/{slug}/sessions", Session("Plenary", "Opening", plenary, "2027-03-10T09:00", "2027-03-10T10:00"))).GetProperty("id").GetGuid();
        await staff.PostAsync($"api/conferences/{slug}/sessions", Session("Ministerial", "Ministerial session", plenary, "2027-03-10T10:30", "2027-03-10T12:30", isPublic: false));
        await staff.PostAsync($"api/conferences/{slug}/agenda/publish", null);
        var press = (await staff.PostAsync($"api/conferences/{slug}/sessions", Session("PressConference", "Press conference", room2, "2027-03-10T13:00", "2027-03-10T13:45"))).GetProperty("id").GetGuid();
        await staff.PostAsync($"api/conferences/{slug}/sessions/{press}/cancel", new { reason = "The ministers speak at the signing instead." });
        return (slug, opening);
    }
}
