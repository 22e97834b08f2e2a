using System.Net.Http.Json;
using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Area;

/// <summary>The focal point's area on declarations: signing when entitled, withdrawing a signature, the annual report.</summary>
[Collection(WebCollection.Name)]
public sealed class DeclarationAreaTests(WebFixture web)
{
    [Fact]
    public async Task Signing_the_declaration_from_the_area_records_the_signature_in_the_public_register()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var d = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        var page = await web.NewPageAsync(javaScript: false);
        await AreaKit.OpenAsync(page, d);
        var section = page.Locator($"#declaration-{setup.DeclarationId:N}");
        await Expect(section.Locator(".signature")).ToContainTextAsync("Not signed");

        await section.Locator(".sign-link").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync($"Sign “{DeclarationKit.Title}”");
        await Expect(page.Locator("#text-hash")).ToHaveTextAsync(setup.TextHash);
        // The head of ministerial rank is offered first, chosen already; the place is the conference's city.
        await Expect(page.Locator($"#signer-{d.MemberIds[0]:N}")).ToBeCheckedAsync();
        await Expect(page.Locator("#place")).ToHaveValueAsync("Brussels");
        await page.Locator("#place").FillAsync("Egmont Palace, Brussels");
        await page.Locator("#sign").ClickAsync();

        await Expect(page.Locator("#done")).ToContainTextAsync("The declaration was signed for the delegation");
        await Expect(section.Locator(".signature")).ToContainTextAsync("in Egmont Palace, Brussels by Maria Keller, Chief executive");
        await Expect(section.Locator(".signed-hash")).ToHaveTextAsync(setup.TextHash);
        await Expect(section.Locator(".sign-link")).ToHaveCountAsync(0);

        // The public register lists the signature, with the hash of the text signed.
        var row = Assert.Single(await DeclarationKit.RegisterRowsAsync(web, setup.DeclarationId));
        Assert.Equal(d.Name, row.GetProperty("party").GetProperty("name").GetString());
        Assert.Equal("Signed", row.GetProperty("status").GetString());
        var signature = row.GetProperty("signature");
        Assert.Equal("Maria Keller", signature.GetProperty("signatory").GetString());
        Assert.Equal("Chief executive", signature.GetProperty("function").GetString());
        Assert.Equal("Egmont Palace, Brussels", signature.GetProperty("place").GetString());
        Assert.Equal(setup.TextHash, signature.GetProperty("textHash").GetString());
    }

    [Fact]
    public async Task A_member_not_entitled_to_sign_is_refused_with_the_reason()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var d = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d);

        // Nobody is accredited yet: the area says who signs instead of offering the form.
        var section = page.Locator($"#declaration-{setup.DeclarationId:N}");
        await Expect(section.Locator(".no-signatory")).ToContainTextAsync("No member can sign yet");
        await Expect(section.Locator(".sign-link")).ToHaveCountAsync(0);

        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[1]);
        await page.ReloadAsync();
        await section.Locator(".sign-link").ClickAsync();
        await page.Locator($"#signer-{d.MemberIds[1]:N}").CheckAsync();
        var response = await page.RunAndWaitForResponseAsync(() => page.Locator("#sign").ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, response.Status);

        await Expect(page.Locator(".error-summary a[href='#signer']")).ToContainTextAsync("Tom Berg cannot sign for the delegation");
        await Expect(page.Locator("#signer-error")).ToContainTextAsync("only the head of delegation of ministerial rank, or a member holding full powers confirmed by the protocol, signs");
        await Expect(page.Locator($"#signer-{d.MemberIds[1]:N}")).ToBeCheckedAsync();
        Assert.Empty(await DeclarationKit.RegisterRowsAsync(web, setup.DeclarationId));
    }

    [Fact]
    public async Task A_member_whose_full_powers_the_protocol_confirmed_may_sign()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        // The head is a senior official (not of ministerial rank) declared as holding full powers.
        var d = await AreaKit.RegisterAsync(web, headRank: "SeniorOfficial", slug: setup.Slug);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d);
        await Expect(page.Locator($"#member-{d.MemberIds[0]:N} .full-powers")).ToContainTextAsync("waiting for the protocol's confirmation");
        await Expect(page.Locator(".no-signatory")).ToBeVisibleAsync();

        using (var protocol = AreaKit.Protocol(web))
        {
            using var confirmed = await protocol.PostAsJsonAsync($"api/delegations/{d.Id}/members/{d.MemberIds[0]}/full-powers", new { confirmed = true });
            Assert.True(confirmed.IsSuccessStatusCode, await confirmed.Content.ReadAsStringAsync());
        }

        await page.ReloadAsync();
        await Expect(page.Locator($"#member-{d.MemberIds[0]:N} .full-powers")).ToContainTextAsync("confirmed by the protocol");
        await page.Locator($"#declaration-{setup.DeclarationId:N} .sign-link").ClickAsync();
        await Expect(page.Locator($"#signer-{d.MemberIds[0]:N}-hint")).ToHaveTextAsync("May sign for the delegation.");
        await page.Locator("#sign").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The declaration was signed");
        var row = Assert.Single(await DeclarationKit.RegisterRowsAsync(web, setup.DeclarationId));
        Assert.Equal("Maria Keller", row.GetProperty("signature").GetProperty("signatory").GetString());
        Assert.Equal("Brussels", row.GetProperty("signature").GetProperty("place").GetString());
    }

    [Fact]
    public async Task A_signature_is_withdrawn_after_a_confirmation_that_asks_why()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var d = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        await DeclarationKit.SignAsync(web, d, setup.DeclarationId, d.MemberIds[0]);
        var page = await web.NewPageAsync(javaScript: false);
        await AreaKit.OpenAsync(page, d);

        await page.Locator($"#declaration-{setup.DeclarationId:N} .withdraw-signature-link").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Withdraw your signature");
        await page.Locator("#confirm-withdraw-signature").ClickAsync();
        await Expect(page.Locator("#reason-error")).ToContainTextAsync("Say why the signature is withdrawn");
        Assert.Equal("Signed", Assert.Single(await DeclarationKit.RegisterRowsAsync(web, setup.DeclarationId)).GetProperty("status").GetString());

        await page.Locator("#reason").FillAsync("The board reviews its commitments.");
        await page.Locator("#confirm-withdraw-signature").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The signature was withdrawn");
        await Expect(page.Locator($"#declaration-{setup.DeclarationId:N} .signature")).ToContainTextAsync("The board reviews its commitments.");
        var row = Assert.Single(await DeclarationKit.RegisterRowsAsync(web, setup.DeclarationId));
        Assert.Equal("Withdrawn", row.GetProperty("status").GetString());
        Assert.Equal("The board reviews its commitments.", row.GetProperty("withdrawal").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_annual_report_is_sent_from_the_area_and_amended_until_the_deadline()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var d = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        await DeclarationKit.SignAsync(web, d, setup.DeclarationId, d.MemberIds[0]);
        var year = DeclarationKit.ThisYear;
        var page = await web.NewPageAsync(javaScript: false);
        await AreaKit.OpenAsync(page, d);
        var entry = page.Locator($"#report-{setup.DeclarationId:N}-{year}");
        await Expect(entry).ToContainTextAsync("No report yet");

        await entry.Locator(".report-link").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync($"Progress report for {year}");
        await page.Locator("#commitment-0-status-InProgress").CheckAsync();
        await page.Locator("#commitment-0-narrative").FillAsync("Two new victim identification teams.");
        await page.Locator("#commitment-1-status-Achieved").CheckAsync();
        await page.Locator("#commitment-1-value").FillAsync("12.5");
        await page.Locator("#commitment-1-narrative").FillAsync("The database grew by an eighth.");
        await page.Locator("#send-report").ClickAsync();

        await Expect(page.Locator("#done")).ToContainTextAsync("Your progress report was received");
        await Expect(entry).ToContainTextAsync("Report received (version 1");
        var report = await DeclarationKit.ReportAsync(web, setup.DeclarationId, d.Id, year);
        var commitments = report.GetProperty("commitments").EnumerateArray().ToList();
        Assert.Equal(["InProgress", "Achieved"], commitments.Select(c => c.GetProperty("status").GetString()));
        Assert.False(commitments[0].TryGetProperty("indicatorValue", out var none) && none.ValueKind != JsonValueKind.Null);
        Assert.Equal(12.5m, commitments[1].GetProperty("indicatorValue").GetDecimal());
        Assert.Equal("The database grew by an eighth.", commitments[1].GetProperty("narrative").GetString());

        // The API keeps one report per year, revisable until the deadline: the form shows it as it stands, to amend.
        await entry.Locator(".report-link").ClickAsync();
        await Expect(page.Locator("#report-in")).ToContainTextAsync("Report received (version 1");
        await Expect(page.Locator("#commitment-0-status-InProgress")).ToBeCheckedAsync();
        await Expect(page.Locator("#commitment-1-value")).ToHaveValueAsync("12.5");
        await page.Locator("#commitment-0-status-Achieved").CheckAsync();
        await page.Locator("#send-report").ClickAsync();
        await Expect(entry).ToContainTextAsync("Report received (version 2");
        report = await DeclarationKit.ReportAsync(web, setup.DeclarationId, d.Id, year);
        Assert.Equal(2, report.GetProperty("revision").GetInt32());
        Assert.Equal("Achieved", report.GetProperty("commitments")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_refused_report_shows_the_errors_and_keeps_what_was_typed()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var d = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        await DeclarationKit.SignAsync(web, d, setup.DeclarationId, d.MemberIds[0]);
        var year = DeclarationKit.ThisYear;
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, d, "/fr");
        await page.GotoAsync($"/fr/delegation/declarations/{setup.DeclarationId}/reports/{year}");

        // The second commitment has neither status nor narrative: the API refuses both, and the first stays as typed.
        await page.Locator("#commitment-0-status-InProgress").CheckAsync();
        await page.Locator("#commitment-0-narrative").FillAsync("Deux nouvelles équipes.");
        await page.Locator("#commitment-1-value").FillAsync("12,5");
        await page.Locator("#send-report").ClickAsync();
        await Expect(page.Locator(".error-summary a")).ToHaveCountAsync(2);
        await Expect(page.Locator(".error-summary a[href='#commitment-1-status']")).ToContainTextAsync("Engagement 2 : choisissez où en est votre partie");
        await Expect(page.Locator(".error-summary a[href='#commitment-1-narrative']")).ToContainTextAsync("Engagement 2 : dites ce qui a été fait");
        await Expect(page.Locator("#commitment-1-narrative-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#commitment-0-status-InProgress")).ToBeCheckedAsync();
        await Expect(page.Locator("#commitment-0-narrative")).ToHaveValueAsync("Deux nouvelles équipes.");
        await Expect(page.Locator("#commitment-1-value")).ToHaveValueAsync("12,5");

        // A value that is not a number is said beside its field, and nothing is sent.
        await page.Locator("#commitment-1-status-Achieved").CheckAsync();
        await page.Locator("#commitment-1-narrative").FillAsync("La base a crû.");
        await page.Locator("#commitment-1-value").FillAsync("beaucoup");
        await page.Locator("#send-report").ClickAsync();
        await Expect(page.Locator("#commitment-1-value-error")).ToContainTextAsync("saisissez la valeur sous forme de nombre");
        await Expect(page.Locator("#commitment-1-narrative")).ToHaveValueAsync("La base a crû.");
        using (var focal = AreaKit.FocalPoint(web, d))
        {
            using var none = await focal.GetAsync($"api/declarations/{setup.DeclarationId}/reports/{d.Id}?year={year}");
            Assert.Equal(404, (int)none.StatusCode);
        }

        // Corrected, with a French decimal comma, it is received.
        await page.Locator("#commitment-1-value").FillAsync("12,5");
        await page.Locator("#send-report").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("Votre rapport d'avancement a été reçu");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/fr/delegation"));
        var report = await DeclarationKit.ReportAsync(web, setup.DeclarationId, d.Id, year);
        Assert.Equal(12.5m, report.GetProperty("commitments")[1].GetProperty("indicatorValue").GetDecimal());
    }

    [Fact]
    public async Task A_delegation_to_a_later_edition_of_the_series_reports_on_the_declaration_its_party_signed_at_an_earlier_one()
    {
        var series = "series-" + Guid.NewGuid().ToString("N")[..10];
        await web.PostAsync("api/series", new { slug = series, name = "Annual forum on online safety", description = "A yearly forum." });
        var first = await DeclarationKit.ConferenceAsync(web, seriesSlug: series);
        var then = await AreaKit.RegisterAsync(web, slug: first.Slug);
        await AreaKit.AccreditAsync(web, then.Id, then.MemberIds[0]);
        await DeclarationKit.SignAsync(web, then, first.DeclarationId, then.MemberIds[0]);
        var next = await DeclarationKit.ConferenceAsync(web, declaration: false, seriesSlug: series);
        var now = await AreaKit.RegisterAsync(web, slug: next.Slug, name: then.Name);

        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, now);
        var section = page.Locator($"#declaration-{first.DeclarationId:N}");
        await Expect(section.Locator(".signature")).ToContainTextAsync("by Maria Keller, Chief executive");
        await Expect(section.Locator(".signed-hash")).ToHaveTextAsync(first.TextHash);
        var year = DeclarationKit.ThisYear;
        await section.Locator($"#report-{first.DeclarationId:N}-{year} .report-link").ClickAsync();
        await page.Locator("#commitment-0-status-Achieved").CheckAsync();
        await page.Locator("#commitment-0-narrative").FillAsync("Done.");
        await page.Locator("#commitment-1-status-NotStarted").CheckAsync();
        await page.Locator("#commitment-1-narrative").FillAsync("Not yet.");
        await page.Locator("#send-report").ClickAsync();
        await Expect(page.Locator($"#report-{first.DeclarationId:N}-{year}")).ToContainTextAsync("Report received (version 1");
        var report = await DeclarationKit.ReportAsync(web, first.DeclarationId, now.Id, year);
        Assert.Equal(now.Id, report.GetProperty("delegationId").GetGuid());
    }

    [Fact]
    public async Task Another_delegations_cookie_cannot_reach_its_declaration_pages()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var target = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        await AreaKit.AccreditAsync(web, target.Id, target.MemberIds[0]);
        await DeclarationKit.SignAsync(web, target, setup.DeclarationId, target.MemberIds[0]);
        var intruder = await AreaKit.RegisterAsync(web);
        var page = await web.NewPageAsync();
        await AreaKit.OpenAsync(page, intruder);

        // The declaration is of another conference than the intruder's: none of its area pages exist for it.
        foreach (var path in new[] { "sign", "withdraw-signature", $"reports/{DeclarationKit.ThisYear}" })
        {
            Assert.Equal(404, (await page.GotoAsync($"/delegation/declarations/{setup.DeclarationId}/{path}"))!.Status);
        }

        Assert.Equal(404, (await page.GotoAsync($"/delegation/member/{target.MemberIds[1]}/erase"))!.Status);

        // Posting changes nothing.
        await page.GotoAsync("/delegation");
        var token = await page.Locator("form[action$='sign-out'] input[name='__RequestVerificationToken']").InputValueAsync();
        var form = page.Context.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", token);
        form.Set("Reason", "Not ours to withdraw.");
        var post = await page.Context.APIRequest.PostAsync($"/delegation/declarations/{setup.DeclarationId}/withdraw-signature", new() { Form = form });
        Assert.Equal(404, post.Status);
        Assert.Equal("Signed", Assert.Single(await DeclarationKit.RegisterRowsAsync(web, setup.DeclarationId)).GetProperty("status").GetString());
    }
}
