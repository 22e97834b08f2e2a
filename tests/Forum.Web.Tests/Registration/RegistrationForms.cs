using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Registration;

public sealed record Person(string Name, string Function, string Rank, string Email, bool FullPowers = false);

/// <summary>Fills the registration form the way a person does: by the fields' labels' ids, pressing its buttons.</summary>
public static class RegistrationForms
{
    public static async Task OpenAsync(IPage page, string slug, string language = "")
    {
        await page.GotoAsync($"{language}/conferences/{slug}/register");
        await Expect(page.Locator("h1")).ToContainTextAsync(language == "/fr" ? "Inscrire une délégation" : "Register a delegation");
    }

    public static async Task FillAsync(IPage page, string stateCode, Person focalPoint, IReadOnlyList<Person> members, int head = 0)
    {
        await page.Locator("#party-kind").SelectOptionAsync("State");
        await page.Locator("#state-code").SelectOptionAsync(stateCode);
        await page.Locator("#focal-point-name").FillAsync(focalPoint.Name);
        await page.Locator("#focal-point-email").FillAsync(focalPoint.Email);
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                // "Add another member" posts the form and shows it again with one more row: no JavaScript needed.
                await page.GetByRole(AriaRole.Button, new() { Name = "Add another member" }).ClickAsync();
                await Expect(page.Locator($"#member-{i}-name")).ToBeVisibleAsync();
            }

            await FillMemberAsync(page, i, members[i]);
        }

        await page.Locator($"#head-{head}").CheckAsync();
    }

    public static async Task FillMemberAsync(IPage page, int row, Person member)
    {
        await page.Locator($"#member-{row}-name").FillAsync(member.Name);
        await page.Locator($"#member-{row}-function").FillAsync(member.Function);
        await page.Locator($"#member-{row}-rank").SelectOptionAsync(member.Rank);
        await page.Locator($"#member-{row}-email").FillAsync(member.Email);
        await page.Locator($"#member-{row}-full-powers").SetCheckedAsync(member.FullPowers);
    }

    public static async Task<string> SubmitAndReadAccessLinkAsync(IPage page)
    {
        await page.Locator("#register").ClickAsync();
        var link = page.Locator("#access-link");
        await Expect(link).ToBeVisibleAsync();
        return (await link.GetAttributeAsync("href"))!;
    }
}
