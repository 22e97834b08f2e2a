using System.Net.Http.Json;
using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Area;

/// <summary>Withdrawing the whole delegation, and erasing former members' personal data.</summary>
[Collection(WebCollection.Name)]
public sealed class WithdrawalTests(WebFixture web)
{
    [Fact]
    public async Task Withdrawing_the_delegation_after_a_confirmation_frees_its_places_and_seats_and_then_its_members_data_can_be_erased()
    {
        var d = await AreaKit.RegisterAsync(web);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        await AreaKit.TakeSeatAsync(web, d, 1, d.MemberIds[0]);
        var page = await web.NewPageAsync(javaScript: false);
        await AreaKit.OpenAsync(page, d);
        await Expect(page.Locator("#former-members")).ToHaveCountAsync(0);

        await page.Locator("#withdraw-delegation").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync($"Withdraw the delegation of {d.Name}?");
        await Expect(page.Locator("#withdrawal-means")).ToContainTextAsync("their places go to the first on the waiting list");
        await Expect(page.Locator("#withdrawal-means")).ToContainTextAsync("every seat in a session is given back");
        await Expect(page.Locator("#withdrawal-means")).ToContainTextAsync("badges are no longer given");
        await page.Locator("#reason").FillAsync("The company cannot attend.");
        await page.Locator("#confirm-withdraw-delegation").ClickAsync();

        await Expect(page.Locator("#done")).ToContainTextAsync("The delegation was withdrawn");
        await Expect(page.Locator("main")).ToContainTextAsync("Withdrawn The company cannot attend.");
        await Expect(page.Locator("#withdraw-delegation")).ToHaveCountAsync(0);
        await Expect(page.Locator("#add-member")).ToHaveCountAsync(0);
        await Expect(page.Locator("#ask-seats")).ToHaveCountAsync(0);
        await Expect(page.Locator(".former-members li")).ToHaveCountAsync(2);
        Assert.Equal(404, (await page.APIRequest.GetAsync($"/delegation/member/{d.MemberIds[0]}/badge")).Status);

        var held = await AreaKit.HeldAsync(web, d.Id);
        Assert.Equal("Withdrawn", held.GetProperty("status").GetString());
        Assert.Equal("The company cannot attend.", held.GetProperty("withdrawalReason").GetString());
        Assert.All(held.GetProperty("members").EnumerateArray(), m =>
        {
            Assert.Equal("Withdrawn", m.GetProperty("status").GetString());
            Assert.All(m.GetProperty("seats").EnumerateArray(), s => Assert.NotEqual("Held", s.GetProperty("status").GetString()));
        });

        // Once withdrawn, the focal point may erase each member's personal data, after a confirmation.
        await page.Locator($"#former-{d.MemberIds[1]:N} .erase-link").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Erase the personal data of Tom Berg?");
        await page.Locator("#confirm-erase").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The member's personal data was erased");
        await Expect(page.Locator($"#former-{d.MemberIds[1]:N}")).ToContainTextAsync("(personal data erased)");
        await Expect(page.Locator($"#former-{d.MemberIds[1]:N} .erase-link")).ToHaveCountAsync(0);
        Assert.Equal(404, (await page.GotoAsync($"/delegation/member/{d.MemberIds[1]}/erase"))!.Status);

        held = await AreaKit.HeldAsync(web, d.Id);
        var members = held.GetProperty("members").EnumerateArray().ToList();
        Assert.True(members[1].GetProperty("erased").GetBoolean());
        Assert.False(members[1].TryGetProperty("name", out var name) && name.ValueKind != JsonValueKind.Null);
        Assert.False(members[0].GetProperty("erased").GetBoolean());
    }

    [Fact]
    public async Task A_withdrawn_members_data_can_be_erased_while_the_delegation_stays()
    {
        var d = await AreaKit.RegisterAsync(web);
        using (var focal = AreaKit.FocalPoint(web, d))
        {
            using var withdrawn = await focal.DeleteAsync($"api/delegations/{d.Id}/members/{d.MemberIds[1]}");
            Assert.True(withdrawn.IsSuccessStatusCode);
        }

        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d);
        // An active member is not offered: the API erases a focal point's member only once withdrawn.
        Assert.Equal(404, (await page.GotoAsync($"/delegation/member/{d.MemberIds[0]}/erase"))!.Status);
        await page.GotoAsync("/delegation");
        await Expect(page.Locator(".former-members li")).ToHaveCountAsync(1);
        await page.Locator($"#former-{d.MemberIds[1]:N} .erase-link").ClickAsync();
        await page.Locator("#confirm-erase").ClickAsync();
        await Expect(page.Locator($"#former-{d.MemberIds[1]:N}")).ToContainTextAsync("(personal data erased)");
        var held = await AreaKit.HeldAsync(web, d.Id);
        Assert.True(held.GetProperty("members")[1].GetProperty("erased").GetBoolean());
        Assert.Equal("Active", held.GetProperty("status").GetString());
    }
}
