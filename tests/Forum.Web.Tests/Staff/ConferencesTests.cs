using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

[Collection(StaffCollection.Name)]
public sealed class ConferencesTests(StaffFixture staff)
{
    [Fact]
    public async Task Organisers_see_every_conference_in_every_state_and_every_series_with_its_editions()
    {
        var series = "series-" + Guid.NewGuid().ToString("N")[..8];
        await staff.PostAsync("api/series", new { slug = series, name = "Technology Coalition Annual Forum " + series[^4..], description = "The yearly forum" });
        var draft = "staff-" + Guid.NewGuid().ToString("N")[..10];
        var published = "staff-" + Guid.NewGuid().ToString("N")[..10];
        foreach (var (slug, title) in new[] { (draft, "Forum 2028 " + series[^4..]), (published, "Forum 2027 " + series[^4..]) })
        {
            await staff.PostAsync("api/conferences", new
            {
                slug, title, seriesSlug = series, venue = new { name = "Hotel", city = "Washington", country = "US" }, timeZone = "America/New_York",
                firstDay = "2027-11-16", lastDay = "2027-11-17", languages = new[] { "en" }, capacity = 300, delegationQuota = 4,
            });
        }

        await staff.PostAsync($"api/conferences/{published}/publish", null);
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        await Expect(page.Locator("table")).ToContainTextAsync("Forum 2028 " + series[^4..]);
        await Expect(page.Locator($"tr:has-text('Forum 2028 {series[^4..]}')")).ToContainTextAsync("Draft");
        await Expect(page.Locator($"tr:has-text('Forum 2027 {series[^4..]}')")).ToContainTextAsync("Published");
        await Expect(page.Locator($"#series li:has-text('{series}')")).ToContainTextAsync("2 editions");

        // A protocol officer sees the published ones only, and no way to create one.
        var officer = await staff.SignedInAsync(StaffFixture.Protocol);
        await Expect(officer.Locator("table")).ToContainTextAsync("Forum 2027 " + series[^4..]);
        await Expect(officer.Locator("table")).Not.ToContainTextAsync("Forum 2028 " + series[^4..]);
    }

    [Fact]
    public async Task Each_lifecycle_step_says_what_it_will_do_before_it_is_taken_and_a_cancellation_needs_its_reason()
    {
        var slug = await staff.ConferenceAsync(publish: true);
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Open registration" }).ClickAsync();
        await Expect(page.Locator(".warning")).ToContainTextAsync("Delegations can register through the public site from now on");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, open registration" }).ClickAsync();
        await Expect(page.Locator(".summary")).ToContainTextAsync("Registration open");
        Assert.Equal("RegistrationOpen", (await staff.GetAsync($"api/conferences/{slug}")).GetProperty("status").GetString());

        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel the conference" }).ClickAsync();
        await Expect(page.Locator(".warning")).ToContainTextAsync("This cannot be undone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the conference" }).ClickAsync();
        await Expect(page.Locator("#reason-error")).ToBeVisibleAsync();
        Assert.Equal("RegistrationOpen", (await staff.GetAsync($"api/conferences/{slug}")).GetProperty("status").GetString());

        await page.GetByLabel("Reason").FillAsync("The venue is closed for repairs.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the conference" }).ClickAsync();
        await Expect(page.Locator(".summary")).ToContainTextAsync("The venue is closed for repairs.");
        Assert.Equal("Cancelled", (await staff.GetAsync($"api/conferences/{slug}")).GetProperty("status").GetString());
    }
}
