using System.Text.Json;
using Forum.Web.Tests.Area;
using Forum.Web.Tests.Infrastructure;
using Forum.Web.Tests.Registration;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Pages;

/// <summary>Every page, in English and in French: its words, axe-core's WCAG 2.1 A and AA rules, and screenshots at three widths.</summary>
[Collection(WebCollection.Name)]
public sealed class EveryPageTests(WebFixture web)
{
    public static TheoryData<string, string> Pages()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in new[] { "home", "conference", "session", "closed-session", "subscribe", "register", "register-refused", "registered", "not-found", "area", "area-add-member", "area-seats", "area-withdraw", "area-token", "link-gone", "area-declarations", "area-sign-refused", "area-withdraw-signature", "area-report-refused", "area-withdraw-delegation", "area-withdrawn", "area-erase", "area-focal-point", "declaration", "signatories", "progress", "series" })
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

        await PageChecks.AxeAndScreenshotsAsync(page, $"{name}.{lang}");
    }

    private async Task<Guid> DemoDeclarationAsync(string slug)
    {
        await web.DemoAsync();
        return Assert.Single(await web.DeclarationsAsync(slug)).GetProperty("id").GetGuid();
    }

    /// <summary>A delegation of a conference of its own whose head signed that conference's declaration.</summary>
    private async Task<(Registered Delegation, Guid Declaration)> SignedAsync()
    {
        var setup = await DeclarationKit.ConferenceAsync(web);
        var d = await AreaKit.RegisterAsync(web, slug: setup.Slug);
        await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
        await DeclarationKit.SignAsync(web, d, setup.DeclarationId, d.MemberIds[0]);
        return (d, setup.DeclarationId);
    }

    private async Task WithdrawAsync(Registered d)
    {
        using var focal = AreaKit.FocalPoint(web, d);
        using var response = await focal.PostAsync($"api/delegations/{d.Id}/withdraw", System.Net.Http.Json.JsonContent.Create(new { reason = "The company cannot attend." }));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
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
            case "declaration":
                await page.GotoAsync($"{prefix}/declarations/{await DemoDeclarationAsync("global-alliance-2012")}");
                await Expect(page.Locator(".hash code")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
                return "Declaration";
            case "signatories":
                await page.GotoAsync($"{prefix}/declarations/{await DemoDeclarationAsync("global-alliance-2012")}/signatories");
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "États" : "States");
                return fr ? "Registre des signataires" : "Register of signatories";
            case "progress":
                await page.GotoAsync($"{prefix}/declarations/{await DemoDeclarationAsync("tech-coalition-forum-2020")}/progress");
                await Expect(page.Locator("figure.chart > svg")).ToHaveCountAsync(6);
                return fr ? "Progrès" : "Progress";
            case "series":
                await web.DemoAsync();
                await page.GotoAsync($"{prefix}/series/tech-coalition-forum");
                await Expect(page.Locator("#declarations + ul li")).ToHaveCountAsync(1);
                return "Technology Coalition Annual Forum";
            case "not-found":
                var response = await page.GotoAsync($"{conference}/sessions/999");
                Assert.Equal(404, response!.Status);
                return fr ? "Page introuvable" : "Page not found";
            case "area":
                var d = await AreaKit.RegisterAsync(web);
                await AreaKit.AccreditAsync(web, d.Id, d.MemberIds[0]);
                await AreaKit.TakeSeatAsync(web, d, 1, d.MemberIds[0]);
                await AreaKit.OpenAsync(page, d, prefix);
                await Expect(page.Locator("main")).ToContainTextAsync(fr ? "Place obtenue" : "Seat held");
                return d.Name;
            case "area-add-member":
                await AreaKit.OpenAsync(page, await AreaKit.RegisterAsync(web), prefix);
                await page.Locator("#add-member").ClickAsync();
                await page.Locator("#save-member").ClickAsync();
                await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
                return fr ? "Ajouter un membre" : "Add a member";
            case "area-seats":
                var seated = await AreaKit.RegisterAsync(web);
                await AreaKit.AccreditAsync(web, seated.Id, seated.MemberIds[0]);
                await AreaKit.OpenAsync(page, seated, prefix);
                await page.Locator("#ask-seats").ClickAsync();
                await page.Locator("#request-seats").ClickAsync();
                await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
                return fr ? "Demander des places en séance" : "Ask for seats in a session";
            case "area-withdraw":
                var w = await AreaKit.RegisterAsync(web);
                await AreaKit.OpenAsync(page, w, prefix);
                await page.GotoAsync($"{prefix}/delegation/member/{w.MemberIds[1]}/withdraw");
                return fr ? "Retirer Tom Berg" : "Withdraw Tom Berg";
            case "area-token":
                await AreaKit.OpenAsync(page, await AreaKit.RegisterAsync(web), prefix);
                await page.GotoAsync($"{prefix}/delegation/token");
                await page.Locator("#confirm-rotate").ClickAsync();
                await Expect(page.Locator("#access-link")).ToBeVisibleAsync();
                return fr ? "Votre nouveau lien d'accès" : "Your new access link";
            case "link-gone":
                var gone = await page.GotoAsync($"{prefix}/access/{new string('x', 43)}");
                Assert.Equal(404, gone!.Status);
                return fr ? "Ce lien ne fonctionne plus" : "This link no longer works";
            case "area-declarations":
                var (signed, declaration) = await SignedAsync();
                await AreaKit.OpenAsync(page, signed, prefix);
                await Expect(page.Locator(".signed-hash")).ToBeVisibleAsync();
                await Expect(page.Locator(".report-link")).ToHaveCountAsync(1);
                return signed.Name;
            case "area-sign-refused":
                var setup = await DeclarationKit.ConferenceAsync(web);
                var signer = await AreaKit.RegisterAsync(web, slug: setup.Slug);
                await AreaKit.AccreditAsync(web, signer.Id, signer.MemberIds[0]);
                await AreaKit.OpenAsync(page, signer, prefix);
                await page.GotoAsync($"{prefix}/delegation/declarations/{setup.DeclarationId}/sign");
                await page.Locator($"#signer-{signer.MemberIds[1]:N}").CheckAsync();
                await page.Locator("#sign").ClickAsync();
                await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
                return fr ? "Signer" : "Sign";
            case "area-withdraw-signature":
                var (withdrawing, withdrawn) = await SignedAsync();
                await AreaKit.OpenAsync(page, withdrawing, prefix);
                await page.GotoAsync($"{prefix}/delegation/declarations/{withdrawn}/withdraw-signature");
                await page.Locator("#confirm-withdraw-signature").ClickAsync();
                await Expect(page.Locator("#reason-error")).ToBeVisibleAsync();
                return fr ? "Retirer votre signature" : "Withdraw your signature";
            case "area-report-refused":
                var (reporting, reported) = await SignedAsync();
                await AreaKit.OpenAsync(page, reporting, prefix);
                await page.GotoAsync($"{prefix}/delegation/declarations/{reported}/reports/{DeclarationKit.ThisYear}");
                await page.Locator("#commitment-0-status-InProgress").CheckAsync();
                await page.Locator("#send-report").ClickAsync();
                await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
                return fr ? "Rapport d'avancement" : "Progress report";
            case "area-withdraw-delegation":
                await AreaKit.OpenAsync(page, await AreaKit.RegisterAsync(web), prefix);
                await page.GotoAsync($"{prefix}/delegation/withdraw");
                return fr ? "Retirer la délégation" : "Withdraw the delegation";
            case "area-withdrawn":
                var gone1 = await AreaKit.RegisterAsync(web);
                await WithdrawAsync(gone1);
                await AreaKit.OpenAsync(page, gone1, prefix);
                await Expect(page.Locator(".former-members li")).ToHaveCountAsync(2);
                return gone1.Name;
            case "area-erase":
                var gone2 = await AreaKit.RegisterAsync(web);
                await WithdrawAsync(gone2);
                await AreaKit.OpenAsync(page, gone2, prefix);
                await page.GotoAsync($"{prefix}/delegation/member/{gone2.MemberIds[1]}/erase");
                return fr ? "Effacer les données personnelles de Tom Berg" : "Erase the personal data of Tom Berg";
            case "area-focal-point":
                await AreaKit.OpenAsync(page, await AreaKit.RegisterAsync(web), prefix);
                await page.GotoAsync($"{prefix}/delegation/focal-point");
                return fr ? "Changer de point focal" : "Change the focal point";
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such page");
        }
    }
}
