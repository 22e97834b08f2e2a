using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

/// <summary>A delegation registered through the API: its id, the focal point's access token, its party's name, its members.</summary>
public sealed record StaffDelegation(Guid Id, string Token, string Name, IReadOnlyList<Guid> MemberIds);

/// <summary>The organisers' declaration pages: drafting in versions, comparing, adopting, opening at a ceremony, the register and progress.</summary>
[Collection(StaffCollection.Name)]
public sealed class DeclarationTests(StaffFixture staff)
{
    private static DateOnly TodayInBrussels => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Brussels")));

    /// <summary>
    /// A published conference open for registration, around today (so that a ceremony that began yesterday lets
    /// delegations sign now), with a signing ceremony on its first day.
    /// </summary>
    private async Task<(string Slug, Guid Ceremony)> ConferenceWithCeremonyAsync()
    {
        var slug = "decl-" + Guid.NewGuid().ToString("N")[..10];
        var first = TodayInBrussels.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var last = TodayInBrussels.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await staff.PostAsync("api/conferences", new
        {
            slug,
            title = "Launch of the alliance " + slug[^4..],
            venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" },
            timeZone = "Europe/Brussels",
            firstDay = first,
            lastDay = last,
            languages = new[] { "en", "fr" },
            capacity = 300,
            delegationQuota = 4,
        });
        await staff.PostAsync($"api/conferences/{slug}/publish", null);
        await staff.PostAsync($"api/conferences/{slug}/registration/open", null);
        var hall = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 200, interpretation = new[] { "en", "fr" } })).GetProperty("id").GetGuid();
        var ceremony = await staff.PostAsync($"api/conferences/{slug}/sessions", new
        {
            kind = "SigningCeremony", title = "Signing ceremony", roomId = hall, start = $"{first}T10:00", end = $"{first}T11:00",
            speakers = Array.Empty<string>(), isPublic = true,
        });
        return (slug, ceremony.GetProperty("id").GetGuid());
    }

    /// <summary>A company whose head (of ministerial rank for an organisation) is accredited, so that it may sign.</summary>
    private async Task<StaffDelegation> AccreditedDelegationAsync(string slug)
    {
        var name = "Company " + Guid.NewGuid().ToString("N")[..8];
        using var anonymous = new HttpClient { BaseAddress = staff.Api.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/conferences/{slug}/delegations")
        {
            Content = JsonContent.Create(new
            {
                party = new { kind = "Company", name },
                focalPoint = new { name = "Ines Moreau", email = "ines.moreau@example.org" },
                members = new[]
                {
                    new { name = "Maria Keller", function = "Chief executive", rank = "HeadOfOrganisation", email = "maria.keller@example.org", isHead = true, hasFullPowers = true },
                },
            }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await anonymous.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        var d = new StaffDelegation(body.GetProperty("id").GetGuid(), body.GetProperty("accessToken").GetString()!, name,
            body.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToList());

        using var protocol = new HttpClient { BaseAddress = staff.Api.Address };
        protocol.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            StaffTokenHandler.Issue(staff.Api.SigningKey, "test-protocol", Roles.Protocol, DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        using var accredited = await protocol.PostAsJsonAsync($"api/delegations/{d.Id}/members/{d.MemberIds[0]}/accreditation", new { decision = "approve" });
        Assert.True(accredited.IsSuccessStatusCode, await accredited.Content.ReadAsStringAsync());
        return d;
    }

    private static object Draft(string title, params object[] commitments) =>
        new { title, preamble = "We, the parties, commit to protect children online.", commitments };

    [Fact]
    public async Task A_declaration_is_drafted_in_two_versions_compared_adopted_with_its_hash_and_opened_at_the_ceremony_then_a_focal_point_signs_it_in_the_web_client()
    {
        var (slug, ceremony) = await ConferenceWithCeremonyAsync();
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}");
        await page.Locator("#declarations-link").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Declarations");
        await page.Locator("#draft-declaration").ClickAsync();

        // Version 1: two commitments, the second measured.
        await page.Locator("#title").FillAsync("Declaration on online child safety");
        await page.Locator("#preamble").FillAsync("We, the parties, commit to protect children online.");
        await page.Locator("#commitment-0-text").FillAsync("Identify more victims.");
        await page.Locator("#add-commitment").ClickAsync();
        await page.Locator("#commitment-1-text").FillAsync("Grow the shared database of abuse material.");
        await page.Locator("#commitment-1-indicator-name").FillAsync("Growth of the database");
        await page.Locator("#commitment-1-indicator-unit").FillAsync("percent");
        await page.Locator("#commitment-1-target").FillAsync("10");
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#saved")).ToHaveTextAsync("Version 1 of the draft is saved.");
        await Expect(page.Locator("#version")).ToHaveTextAsync("1");
        var id = Guid.Parse(page.Url.Split('/').Last().Split('?')[0]);

        // Version 2: the first changed, a third added and moved up to second place.
        await page.Locator("#redraft").ClickAsync();
        await Expect(page.Locator("#commitment-1-target")).ToHaveValueAsync("10");
        await page.Locator("#commitment-0-text").FillAsync("Identify and protect more victims.");
        await page.Locator("#add-commitment").ClickAsync();
        await page.Locator("#commitment-2-text").FillAsync("Report every finding to a hotline.");
        await page.Locator("#up-2").ClickAsync();
        await Expect(page.Locator("#commitment-1-text")).ToHaveValueAsync("Report every finding to a hotline.");
        await Expect(page.Locator("#commitment-2-text")).ToHaveValueAsync("Grow the shared database of abuse material.");
        await Expect(page.Locator("#commitment-2-indicator-name")).ToHaveValueAsync("Growth of the database");
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#saved")).ToHaveTextAsync("Version 2 of the draft is saved.");
        await Expect(page.Locator("#commitments > li")).ToHaveCountAsync(3);

        // The versions compared, in plain words.
        await page.Locator("#versions").ClickAsync();
        await Expect(page.Locator("#from")).ToHaveValueAsync("1");
        await Expect(page.Locator("#to")).ToHaveValueAsync("2");
        await page.Locator("#compare").ClickAsync();
        await Expect(page.Locator("#changes-title")).ToHaveTextAsync("What changed from version 1 to version 2");
        var changes = page.Locator("#changes");
        await Expect(changes).ToContainTextAsync("Commitment 1 changed: its text changed from “Identify more victims.” to “Identify and protect more victims.”");
        await Expect(changes).ToContainTextAsync("Commitment 2 changed: its text changed from “Grow the shared database of abuse material.” to “Report every finding to a hotline.”");
        await Expect(changes).ToContainTextAsync("its indicator changed from Growth of the database (percent) to none");
        await Expect(changes).ToContainTextAsync("Commitment 3 was added: “Grow the shared database of abuse material.”");

        // Adoption, after a confirmation that says the text freezes; the hash shown is the SHA-256 of the text's bytes.
        await page.GotoAsync($"/conferences/{slug}/declarations/{id}");
        await page.Locator("#adopt").ClickAsync();
        await Expect(page.Locator("#freezes")).ToContainTextAsync("Adopting freezes the text of version 2: it can never change again");
        await page.Locator("#confirm-adopt").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Adopted");
        using (var anonymous = new HttpClient { BaseAddress = staff.Api.Address })
        {
            var bytes = await anonymous.GetByteArrayAsync($"api/declarations/{id}/text");
            await Expect(page.Locator("#text-hash")).ToHaveTextAsync(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        // Opened at the signing ceremony, chosen from the working agenda.
        await page.Locator("#open").ClickAsync();
        await page.Locator("#session").SelectOptionAsync(ceremony.ToString());
        await page.Locator("#confirm-open").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Open for signature");
        await Expect(page.Locator("#opens-at")).ToContainTextAsync("Signing ceremony");
        var opened = await staff.GetAsync($"api/declarations/{id}");
        Assert.Equal(ceremony, opened.GetProperty("signing").GetProperty("sessionId").GetGuid());

        // A focal point signs in the public web client, in the delegation's area.
        var d = await AccreditedDelegationAsync(slug);
        var context = await staff.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = staff.Web.Address.ToString(), JavaScriptEnabled = false });
        context.SetDefaultTimeout(15_000);
        var web = await context.NewPageAsync();
        await web.GotoAsync($"/access/{d.Token}");
        await Expect(web.Locator("h1")).ToContainTextAsync(d.Name);
        await web.Locator($"#declaration-{id:N} .sign-link").ClickAsync();
        await web.Locator("#sign").ClickAsync();
        await Expect(web.Locator("#done")).ToContainTextAsync("The declaration was signed for the delegation");

        // The staff register lists the party; progress names it among those yet to report.
        await page.Locator("#register").ClickAsync();
        await Expect(page.Locator("#register-totals")).ToHaveTextAsync("1 parties, 1 bound by the declaration.");
        var row = page.Locator("#register-company tbody tr").Filter(new() { HasText = d.Name });
        await Expect(row).ToContainTextAsync("Signed");
        await Expect(row).ToContainTextAsync("by Maria Keller, Chief executive");
        await page.GoBackAsync();
        await page.Locator("#progress").ClickAsync();
        await Expect(page.Locator("#reported-count")).ToHaveTextAsync("0 of 1 signatories have reported.");
        await Expect(page.Locator("#not-reported")).ToContainTextAsync(d.Name);
        await context.CloseAsync();
    }

    [Fact]
    public async Task A_refusal_is_shown_beside_its_field_and_commitments_are_moved_without_JavaScript()
    {
        var slug = await staff.ConferenceAsync();
        var page = await staff.NewPageAsync(javaScript: false);
        await staff.SignInAsync(page, StaffFixture.Organiser, $"/conferences/{slug}/declarations/draft");
        await page.Locator("#title").FillAsync("Declaration on hotlines");
        await page.Locator("#preamble").FillAsync("The participants support the hotlines.");
        await page.Locator("#commitment-0-text").FillAsync("Support a hotline in each country.");
        await page.Locator("#add-commitment").ClickAsync();
        await page.Locator("#commitment-1-text").FillAsync("Answer every report within two days.");
        await page.Locator("#down-0").ClickAsync();
        await Expect(page.Locator("#commitment-0-text")).ToHaveValueAsync("Answer every report within two days.");
        await Expect(page.Locator("#commitment-1-text")).ToHaveValueAsync("Support a hotline in each country.");

        // The first commitment's text emptied, the second given a target without an indicator: the API refuses both.
        await page.Locator("#commitment-0-text").FillAsync("");
        await page.Locator("#commitment-1-target").FillAsync("90");
        var response = await page.RunAndWaitForResponseAsync(() => page.Locator("#save").ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(200, response.Status);
        await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^Error: "));
        await Expect(page.Locator(".error-summary a[href='#commitment-0-text']")).ToHaveTextAsync("Enter the text of commitment 1");
        await Expect(page.Locator("#commitment-0-text-error")).ToContainTextAsync("Enter the text of commitment 1");
        await Expect(page.Locator("#commitment-0-text")).ToHaveAttributeAsync("aria-describedby", "commitment-0-text-error");
        await Expect(page.Locator("#commitment-1-target-error")).ToContainTextAsync("A yearly target needs an indicator: give the indicator of commitment 2");
        await Expect(page.Locator("#commitment-1-text")).ToHaveValueAsync("Support a hotline in each country.");
        await Expect(page.Locator("#title")).ToHaveValueAsync("Declaration on hotlines");
        var declarations = await staff.GetAsync($"api/conferences/{slug}/declarations");
        Assert.Equal(0, declarations.GetArrayLength());

        // A target that is not a number is refused here, in French in the French pages.
        await page.GotoAsync($"/fr/conferences/{slug}/declarations/draft");
        await page.Locator("#title").FillAsync("Déclaration");
        await page.Locator("#preamble").FillAsync("Préambule.");
        await page.Locator("#commitment-0-text").FillAsync("Soutenir une ligne d'écoute.");
        await page.Locator("#commitment-0-indicator-name").FillAsync("Lignes");
        await page.Locator("#commitment-0-indicator-unit").FillAsync("pays");
        await page.Locator("#commitment-0-target").FillAsync("beaucoup");
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#commitment-0-target-error")).ToContainTextAsync("L'objectif annuel de l'engagement 1 doit être un nombre");

        // A French decimal is taken.
        await page.Locator("#commitment-0-target").FillAsync("2,5");
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#saved")).ToHaveTextAsync("La version 1 du projet est enregistrée.");
        var drafted = (await staff.GetAsync($"api/conferences/{slug}/declarations"))[0].GetProperty("id").GetGuid();
        Assert.Equal(2.5m, (await staff.GetAsync($"api/declarations/{drafted}")).GetProperty("commitments")[0].GetProperty("yearlyTarget").GetDecimal());
    }

    [Fact]
    public async Task A_stale_draft_shows_the_version_saved_meanwhile_and_keeps_the_organisers_text()
    {
        var slug = await staff.ConferenceAsync();
        var id = (await staff.PostAsync($"api/conferences/{slug}/declarations", Draft("Statement", new { text = "First." }))).GetProperty("id").GetGuid();
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}/declarations/draft/{id}");
        await page.Locator("#commitment-0-text").FillAsync("Mine.");

        using (var put = new HttpRequestMessage(HttpMethod.Put, $"api/declarations/{id}") { Content = JsonContent.Create(Draft("Statement", new { text = "Theirs." })) })
        {
            using var answer = await staff.ApiOrganiser.SendAsync(put);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        }

        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator(".error-summary")).ToContainTextAsync("Someone saved another version of this draft meanwhile");
        await Expect(page.Locator("#theirs")).ToContainTextAsync("Theirs.");
        await Expect(page.Locator("#commitment-0-text")).ToHaveValueAsync("Mine.");
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#saved")).ToHaveTextAsync("Version 3 of the draft is saved.");
        Assert.Equal("Mine.", (await staff.GetAsync($"api/declarations/{id}")).GetProperty("commitments")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Every_declaration_page_passes_axe_in_English_and_French()
    {
        var (slug, ceremony) = await ConferenceWithCeremonyAsync();
        var measured = new { text = "Grow the shared database.", indicator = new { name = "Growth of the database", unit = "percent" }, yearlyTarget = 10m };
        var draft = (await staff.PostAsync($"api/conferences/{slug}/declarations", Draft("Draft statement", new { text = "Identify more victims." }, measured))).GetProperty("id").GetGuid();
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"api/declarations/{draft}") { Content = JsonContent.Create(Draft("Draft statement", new { text = "Identify and protect more victims." })) })
        {
            using var answer = await staff.ApiOrganiser.SendAsync(put);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        }

        var adopted = (await staff.PostAsync($"api/conferences/{slug}/declarations", Draft("Adopted statement", new { text = "Support hotlines." }))).GetProperty("id").GetGuid();
        await staff.PostAsync($"api/declarations/{adopted}/adopt", null);
        var open = (await staff.PostAsync($"api/conferences/{slug}/declarations", Draft("Signed statement", new { text = "Support hotlines." }, measured))).GetProperty("id").GetGuid();
        await staff.PostAsync($"api/declarations/{open}/adopt", null);
        await staff.PostAsync($"api/declarations/{open}/open-for-signature", new { sessionId = ceremony });
        var d = await AccreditedDelegationAsync(slug);
        await staff.PostAsync($"api/declarations/{open}/signatures", new { delegationId = d.Id, memberId = d.MemberIds[0], place = "Brussels" });

        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        var pages = new (string Name, string Path)[]
        {
            ("list", $"/conferences/{slug}/declarations"),
            ("new", $"/conferences/{slug}/declarations/draft"),
            ("redraft", $"/conferences/{slug}/declarations/draft/{draft}"),
            ("draft", $"/conferences/{slug}/declarations/{draft}"),
            ("versions", $"/conferences/{slug}/declarations/{draft}/versions?from=1&to=2"),
            ("adopt", $"/conferences/{slug}/declarations/{draft}/adopt"),
            ("open", $"/conferences/{slug}/declarations/{adopted}/open"),
            ("declaration", $"/conferences/{slug}/declarations/{open}"),
            ("signatories", $"/conferences/{slug}/declarations/{open}/signatories"),
            ("progress", $"/conferences/{slug}/declarations/{open}/progress"),
        };
        foreach (var language in new[] { "", "/fr" })
        {
            var name = language.Length == 0 ? "en" : "fr";
            foreach (var (pageName, path) in pages)
            {
                var response = await page.GotoAsync(language + path);
                Assert.True(response!.Ok, $"{language}{path}: {response.Status}");
                await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", name);
                await PageChecks.AxeAndScreenshotsAsync(page, $"staff-declaration-{pageName}.{name}");
            }

            // The editor with its errors beside the fields.
            await page.GotoAsync(language + $"/conferences/{slug}/declarations/draft");
            await page.Locator("#save").ClickAsync();
            await Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
            await PageChecks.AxeAndScreenshotsAsync(page, $"staff-declaration-errors.{name}");
        }
    }
}
