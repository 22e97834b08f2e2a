using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Forum.Web.Tests.Registration;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

/// <summary>Every page, in English and in French: its words, axe-core's WCAG 2.1 A and AA rules, and screenshots at three widths.</summary>
[Collection(WebCollection.Name)]
public sealed class EveryPageTests(WebFixture web)
{
    private static readonly int[] Widths = [375, 768, 1280];

    public static TheoryData<string, string> Pages()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in new[] { "home", "conference", "session", "closed-session", "subscribe", "register", "register-refused", "registered", "not-found" })
        {
            data.Add(page, "en");
            data.Add(page, "fr");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_reads_in_its_language_passes_axe_and_is_photographed_at_three_widths(string name, string lang)
    {
        var page = await web.NewPageAsync();
        var prefix = lang == "fr" ? "/fr" : "";
        var fr = lang == "fr";
        var heading = await OpenAsync(page, name, prefix, fr);

        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", lang);
        await Expect(page.Locator("h1")).ToContainTextAsync(heading);
        await Expect(page.Locator(".header-language a")).ToHaveTextAsync(fr ? "English" : "Français");
        await Expect(page.Locator("footer")).ToContainTextAsync(fr ? "fuseau horaire" : "time zone");

        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
              return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
        Assert.True(violations.GetArrayLength() == 0, $"axe-core on {name} ({lang}):\n" + string.Join('\n', violations.EnumerateArray()));

        var folder = Path.Combine(WebFixture.ResultsDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}.{lang}.{width}.png"), FullPage = true });
        }
    }

    /// <summary>Opens the page as a reader reaches it; answers the words its heading holds.</summary>
    private async Task<string> OpenAsync(IPage page, string name, string prefix, bool fr)
    {
        var conference = $"{prefix}/conferences/{web.Slug}";
        switch (name)
        {
            case "home":
                await page.GotoAsync(prefix + "/");
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "Conférences passées" : "Past conferences");
                return fr ? "Conférences" : "Conferences";
            case "conference":
                await page.GotoAsync(conference);
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "mercredi 5 décembre 2012" : "Wednesday 5 December 2012");
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "9 h 30–10 h 15 CET" : "09:30–10:15 CET");
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "Session à huis clos" : "Closed session");
                await Expect(page.Locator("main")).ToContainTextAsync("Europe/Brussels (UTC+01:00)");
                return "Launch of the Global Alliance";
            case "session":
                await page.GotoAsync($"{conference}/sessions/1");
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "Présidence" : "Chair");
                return "Opening of the conference";
            case "closed-session":
                await page.GotoAsync($"{conference}/sessions/2");
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "Session à huis clos" : "Closed session");
                return "Ministerial session";
            case "subscribe":
                await page.GotoAsync($"{conference}/subscribe");
                await Expect(page.Locator("a[href^='webcal://']")).ToHaveCountAsync(1);
                await Expect(page.Locator("a[href^='https://calendar.google.com/']")).ToHaveCountAsync(1);
                return fr ? "Ajouter le programme à votre agenda" : "Add the agenda to your calendar";
            case "register":
                await RegistrationForms.OpenAsync(page, web.Slug, prefix);
                return fr ? "Inscrire une délégation" : "Register a delegation";
            case "register-refused":
                await RegistrationForms.OpenAsync(page, web.Slug, prefix);
                await page.Locator("#register").ClickAsync();
                await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
                return fr ? "Inscrire une délégation" : "Register a delegation";
            case "registered":
                await RegistrationForms.OpenAsync(page, web.Slug, prefix);
                await RegistrationForms.FillAsync(page, fr ? "FR" : "IE", new Person("Claire Martin", "", "", "claire.martin@example.org"),
                    [new Person("Claire Martin", "Ministre de la Justice", "Minister", "claire.martin@example.org")]);
                await RegistrationForms.SubmitAndReadAccessLinkAsync(page);
                return fr ? "Délégation inscrite" : "Delegation registered";
            case "not-found":
                var response = await page.GotoAsync($"{conference}/sessions/999");
                Assert.Equal(404, response!.Status);
                return fr ? "Page introuvable" : "Page not found";
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such page");
        }
    }
}
