using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

[Collection(StaffCollection.Name)]
public sealed class SpeakingOrderTests(StaffFixture staff)
{
    /// <summary>France (a head of state), Belgium (a minister) and the Netherlands (a deputy minister) ask for the floor in that order.</summary>
    private async Task<(string Slug, Guid Session, StateDelegation Fr, StateDelegation Be, StateDelegation Nl)> ThreeAsync()
    {
        var (slug, _, session) = await StaffKit.MinisterialAsync(staff);
        var nl = await StaffKit.AccreditedStateAsync(staff, slug, "NL", "DeputyMinister");
        var be = await StaffKit.AccreditedStateAsync(staff, slug, "BE", "Minister");
        var fr = await StaffKit.AccreditedStateAsync(staff, slug, "FR", "HeadOfStateOrGovernment");
        foreach (var d in new[] { nl, be, fr })
        {
            await StaffKit.AskForTheFloorAsync(staff, d, session);
        }

        return (slug, session, fr, be, nl);
    }

    private static async Task<List<string>> PartiesAsync(IPage page) =>
        [.. await page.Locator("#tour .tour-party").AllInnerTextsAsync()];

    [Fact]
    public async Task Without_JavaScript_the_computed_order_is_shown_moved_up_by_hand_and_a_stale_order_is_not_overwritten()
    {
        var (slug, session, fr, be, nl) = await ThreeAsync();
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}/board", javaScript: false);
        await page.GetByRole(AriaRole.Link, new() { Name = "Tour de table of Ministerial session" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tour de table: Ministerial session");
        Assert.Equal(["France", "Belgium", "Netherlands"], await PartiesAsync(page));
        await Expect(page.Locator("#tour-state")).ToContainTextAsync("Computed");
        await Expect(page.Locator("#tour tbody tr").First).ToContainTextAsync("Head of FR, Minister of Justice");
        await Expect(page.Locator("#tour tbody tr").First).ToContainTextAsync("Head of state or government");
        await Expect(page.Locator($"#turn-{fr.Id} .tour-up")).ToBeDisabledAsync();
        await Expect(page.Locator($"#turn-{nl.Id} .tour-down")).ToBeDisabledAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Move Netherlands up" }).ClickAsync();
        await Expect(page.Locator("#tour-message")).ToHaveTextAsync("The tour de table is saved.");
        Assert.Equal(["France", "Netherlands", "Belgium"], await PartiesAsync(page));
        await Expect(page.Locator("#tour-state")).ToContainTextAsync("Fixed by hand by Olivia Organiser");
        Assert.Equal(["FR", "NL", "BE"], await StaffKit.SpeakingOrderAsync(staff, slug, session));

        // Another organiser fixes another order through the API while this page still shows the old one.
        await StaffKit.FixThroughApiAsync(staff, slug, session, be.Id, fr.Id, nl.Id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Move Belgium up" }).ClickAsync();
        await Expect(page.Locator(".error-summary")).ToContainTextAsync("Someone else changed the tour de table meanwhile");
        Assert.Equal(["Belgium", "France", "Netherlands"], await PartiesAsync(page));
        Assert.Equal(["BE", "FR", "NL"], await StaffKit.SpeakingOrderAsync(staff, slug, session));

        // Italy asks for the floor after the order was fixed: it follows at the end, marked as a later joiner.
        var it = await StaffKit.AccreditedStateAsync(staff, slug, "IT", "Minister");
        await StaffKit.AskForTheFloorAsync(staff, it, session);
        await page.ReloadAsync();
        Assert.Equal(["Belgium", "France", "Netherlands", "Italy"], await PartiesAsync(page));
        await Expect(page.Locator($"#turn-{it.Id} .tag-later")).ToHaveTextAsync("Joined later");
        await Expect(page.Locator(".tag-later")).ToHaveCountAsync(1);

        // Placed by hand, Italy is no longer a later joiner.
        await page.GetByRole(AriaRole.Button, new() { Name = "Move Italy up" }).ClickAsync();
        await Expect(page.Locator("#tour-message")).ToBeVisibleAsync();
        Assert.Equal(["Belgium", "France", "Italy", "Netherlands"], await PartiesAsync(page));
        await Expect(page.Locator(".tag-later")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task With_JavaScript_a_dragged_or_keyboard_moved_order_is_saved_and_the_page_passes_axe_in_both_languages()
    {
        var (slug, session, _, _, _) = await ThreeAsync();
        var path = $"/conferences/{slug}/sessions/{session}/speaking-order";
        var page = await staff.SignedInAsync(StaffFixture.Organiser, path);
        await Expect(page.Locator("#tour-help")).ToBeVisibleAsync();
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-speaking-order");
        await page.SetViewportSizeAsync(1280, 900);

        // Dragged: the Netherlands onto France's turn.
        await page.Locator("#tour tbody tr").Nth(2).DragToAsync(page.Locator("#tour tbody tr").Nth(0));
        Assert.Equal(["Netherlands", "France", "Belgium"], await PartiesAsync(page));
        await Expect(page.Locator("#tour tbody tr").First.Locator(".tour-turn")).ToHaveTextAsync("1");
        await Expect(page.Locator("#tour-unsaved")).ToBeVisibleAsync();
        Assert.Equal(["FR", "BE", "NL"], await StaffKit.SpeakingOrderAsync(staff, slug, session));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save this order" }).ClickAsync();
        await Expect(page.Locator("#tour-message")).ToHaveTextAsync("The tour de table is saved.");
        Assert.Equal(["NL", "FR", "BE"], await StaffKit.SpeakingOrderAsync(staff, slug, session));

        // From the keyboard: Belgium up one turn, then Enter saves.
        await page.GetByRole(AriaRole.Button, new() { Name = "Move Belgium", Exact = true }).ClickAsync();
        await page.Keyboard.PressAsync("ArrowUp");
        await Expect(page.Locator("#tour-live")).ToContainTextAsync("Moving Belgium: turn 2 of 3");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#tour-message")).ToHaveTextAsync("The tour de table is saved.");
        Assert.Equal(["Netherlands", "Belgium", "France"], await PartiesAsync(page));
        Assert.Equal(["NL", "BE", "FR"], await StaffKit.SpeakingOrderAsync(staff, slug, session));
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-speaking-order-fixed");

        await page.GotoAsync("/fr" + path);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tour de table : Ministerial session");
        await Expect(page.Locator("#tour-state")).ToContainTextAsync("Fixé à la main");
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-speaking-order.fr");
    }
}
