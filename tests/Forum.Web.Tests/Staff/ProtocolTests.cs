using System.Net.Http.Json;
using System.Text;
using Forum.Api.Infrastructure;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

/// <summary>The protocol officers' pages: the accreditation queue (in bulk too), full powers, badges and their sheet, participants, erasure.</summary>
[Collection(StaffCollection.Name)]
public sealed class ProtocolTests(StaffFixture staff)
{
    private static string Select(Guid member) => $"#select-{member:N}";

    [Fact]
    public async Task A_protocol_officer_decides_from_the_queue_without_javascript_a_bulk_approval_lists_each_refusal_and_decides_the_rest_and_the_focal_point_sees_the_decisions()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser", "Expert");
        var nl = await ProtocolKit.StateAsync(staff, slug, "NL");
        var lu = await ProtocolKit.StateAsync(staff, slug, "LU", "Adviser");

        // From the list of conferences to the queue: oldest first.
        var page = await staff.SignedInAsync(StaffFixture.Protocol, "/", javaScript: false);
        await page.Locator($"a.protocol-link[href='/protocol/{slug}']").ClickAsync();
        await Expect(page.Locator("#count-awaiting")).ToHaveTextAsync("6");
        await page.Locator("#queue-link").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Accreditation queue");
        await Expect(page.Locator("#queue tbody tr")).ToHaveCountAsync(6);
        await Expect(page.Locator("#queue tbody tr").First).ToContainTextAsync("Head of BE");

        // One member rejected on its own page: a rejection without a reason is refused beside the reason.
        await page.Locator($"#queued-{be.Members[2]:N} .decide-link").ClickAsync();
        await page.Locator("#decision-reject").CheckAsync();
        await page.Locator("#record-decision").ClickAsync();
        await Expect(page.Locator("#reason-error")).ToContainTextAsync("Say why");
        await Expect(page.Locator(".error-summary a[href='#reason']")).ToBeVisibleAsync();
        await page.Locator("#decision-reject").CheckAsync();
        await page.Locator("#reason").FillAsync("Not on the ministry's list");
        await page.Locator("#record-decision").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The decision is recorded");
        await Expect(page.Locator("#accreditation")).ToHaveTextAsync("Rejected: Not on the ministry's list");

        // The rest selected; meanwhile Luxembourg withdraws its adviser and the Netherlands withdraw their delegation.
        await page.GotoAsync($"/protocol/{slug}/queue");
        await Expect(page.Locator("#queue tbody tr")).ToHaveCountAsync(5);
        foreach (var member in new[] { be.Members[0], be.Members[1], nl.Members[0], lu.Members[0], lu.Members[1] })
        {
            await page.Locator(Select(member)).CheckAsync();
        }

        await ProtocolKit.FocalPointAsync(staff, lu, HttpMethod.Delete, $"/members/{lu.Members[1]}");
        await ProtocolKit.FocalPointAsync(staff, nl, HttpMethod.Post, "/withdraw", new { reason = "The minister cannot travel" });
        await page.Locator("#approve-selected").ClickAsync();

        // Each refusal named with its reason; the others decided, and gone from the queue.
        var refused = page.Locator("#refused li");
        await Expect(refused).ToHaveCountAsync(2);
        await Expect(page.Locator("#refused")).ToContainTextAsync($"Head of NL ({nl.Name}): The delegation was withdrawn");
        await Expect(page.Locator("#refused")).ToContainTextAsync($"Adviser of LU ({lu.Name}): This member was withdrawn or replaced");
        await Expect(page.Locator("#approved")).ToContainTextAsync("Approved (3):");
        await Expect(page.Locator("#approved")).ToContainTextAsync($"Head of LU ({lu.Name})");
        await Expect(page.Locator("#queue-empty")).ToBeVisibleAsync();

        // A decision revised: the adviser of Belgium, approved in bulk, rejected after all.
        await page.GotoAsync($"/protocol/{slug}/delegations/{be.Id}/members/{be.Members[1]}");
        await Expect(page.Locator("#decide-title")).ToHaveTextAsync("Revise the decision");
        await page.Locator("#decision-reject").CheckAsync();
        await page.Locator("#reason").FillAsync("Travel cancelled");
        await page.Locator("#record-decision").ClickAsync();
        await Expect(page.Locator("#accreditation")).ToHaveTextAsync("Rejected: Travel cancelled");

        // The focal point of Belgium reads the decisions in its area of the web client.
        var context = await staff.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = staff.Web.Address.ToString(), JavaScriptEnabled = false });
        var web = await context.NewPageAsync();
        await web.GotoAsync($"/access/{be.Token}");
        await Expect(web.Locator($"#member-{be.Members[0]:N} .accreditation")).ToHaveTextAsync("Accredited");
        await Expect(web.Locator($"#member-{be.Members[1]:N} .accreditation")).ToHaveTextAsync("Refused: Travel cancelled");
        await Expect(web.Locator($"#member-{be.Members[2]:N} .accreditation")).ToHaveTextAsync("Refused: Not on the ministry's list");
        await context.CloseAsync();

        // The delegation's page shows them too, with its history naming the officer.
        await page.GotoAsync($"/protocol/{slug}/delegations/{be.Id}");
        await Expect(page.Locator($"#member-{be.Members[0]:N} .accreditation")).ToContainTextAsync("Approved");
        await Expect(page.Locator("#history")).ToContainTextAsync("Pierre Protocol");
        await Expect(page.Locator("#history")).ToContainTextAsync("Accreditation decided: Expert of BE");
    }

    [Fact]
    public async Task Full_powers_are_confirmed_or_refused_with_a_reason()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE");
        var page = await staff.SignedInAsync(StaffFixture.Chief, $"/protocol/{slug}/delegations/{be.Id}/members/{be.Members[0]}", javaScript: false);
        await Expect(page.Locator("#full-powers")).ToHaveTextAsync("Declared, awaiting confirmation");
        await page.Locator("#confirmed-no").CheckAsync();
        await page.Locator("#record-full-powers").ClickAsync();
        await Expect(page.Locator("#powers-reason-error")).ToContainTextAsync("Say why");
        await page.Locator("#confirmed-no").CheckAsync();
        await page.Locator("#powers-reason").FillAsync("The instrument of full powers is not signed");
        await page.Locator("#record-full-powers").ClickAsync();
        await Expect(page.Locator("#full-powers")).ToHaveTextAsync("Refused: The instrument of full powers is not signed");
        await page.Locator("#confirmed-yes").CheckAsync();
        await page.Locator("#record-full-powers").ClickAsync();
        await Expect(page.Locator("#full-powers")).ToHaveTextAsync("Confirmed");
    }

    [Fact]
    public async Task The_badge_sheets_qr_codes_decode_to_codes_the_check_in_accepts_and_a_reissued_badges_old_code_is_refused()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser");
        var nl = await ProtocolKit.StateAsync(staff, slug, "NL", "Adviser", "Expert");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        await ProtocolKit.ApproveAsync(staff, nl, [.. nl.Members]);

        var page = await staff.SignedInAsync(StaffFixture.Protocol, $"/protocol/{slug}");
        await page.Locator("#badges-link").ClickAsync();
        await page.Locator("#paper").SelectOptionAsync("letter");
        await page.Locator("#show-sheet").ClickAsync();
        await Expect(page.Locator("#sheet")).ToHaveClassAsync("sheet sheet-letter");
        await Expect(page.Locator("#sheet-count")).ToHaveTextAsync("5 badges on 2 pages, four to a page.");
        var cards = page.Locator(".badge-card");
        await Expect(cards).ToHaveCountAsync(5);
        await Expect(cards.First).ToContainTextAsync("Head of BE");
        await Expect(cards.First.Locator(".cut")).ToHaveCountAsync(4);

        // Every QR code decodes to a code whose badge is that card's member.
        var codes = new Dictionary<Guid, string>();
        for (var i = 0; i < 5; i++)
        {
            var card = cards.Nth(i);
            var member = Guid.Parse((await card.GetAttributeAsync("data-member"))!);
            codes[member] = ProtocolKit.DecodeQr(await card.Locator(".badge-qr").InnerHTMLAsync());
        }

        // Printed: no header, four badges of 90 mm to a page.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.Locator("header.header")).ToBeHiddenAsync();
        Assert.Equal(340, Math.Round(await cards.First.EvaluateAsync<double>("e => e.getBoundingClientRect().width")));
        await page.EmulateMediaAsync(new() { Media = Media.Screen });

        // The Netherlands' adviser loses the badge: re-issued after a warning.
        await page.GotoAsync($"/protocol/{slug}/delegations/{nl.Id}/members/{nl.Members[1]}");
        await page.Locator("#reissue-link").ClickAsync();
        await Expect(page.Locator("#reissue-warning")).ToContainTextAsync("The old badge's code stops working at once");
        await page.Locator("#confirm-reissue").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("the old badge's code no longer works");

        using var protocol = StaffKit.As(staff, Roles.Protocol);
        foreach (var (member, code) in codes)
        {
            using var response = await protocol.PostAsJsonAsync($"api/conferences/{slug}/check-in", new { code, gate = "Gate A" });
            var body = await response.Content.ReadAsStringAsync();
            if (member == nl.Members[1])
            {
                Assert.False(response.IsSuccessStatusCode, body);
            }
            else
            {
                Assert.True(response.IsSuccessStatusCode, body);
                Assert.Contains(member.ToString(), body, StringComparison.Ordinal);
            }
        }

        // The delegation's own sheet carries the new code, which the check-in accepts.
        await page.GotoAsync($"/protocol/{slug}/badges?delegation={nl.Id}");
        await Expect(cards).ToHaveCountAsync(3);
        var fresh = ProtocolKit.DecodeQr(await page.Locator($".badge-card[data-member='{nl.Members[1]}'] .badge-qr").InnerHTMLAsync());
        using var accepted = await protocol.PostAsJsonAsync($"api/conferences/{slug}/check-in", new { code = fresh, gate = "Gate B" });
        Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_participants_csv_comes_with_and_without_email_addresses_and_a_former_members_data_is_erased_after_a_confirmation()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser", "Expert");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        await ProtocolKit.FocalPointAsync(staff, be, HttpMethod.Delete, $"/members/{be.Members[2]}");

        var page = await staff.SignedInAsync(StaffFixture.Protocol, $"/protocol/{slug}/participants", javaScript: false);
        await Expect(page.Locator("#participants-count")).ToHaveTextAsync("2 participants, 0 checked in.");
        await Expect(page.Locator("#participants")).ToContainTextAsync("head.be@example.org");

        var withEmails = await DownloadAsync(page, "#csv-emails");
        Assert.StartsWith("party,kind,name,function,rank,role,erased,checkedIn,checkedInAt,gate,email", withEmails.TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Contains("head.be@example.org", withEmails, StringComparison.Ordinal);
        Assert.Contains("adviser.be@example.org", withEmails, StringComparison.Ordinal);
        var plain = await DownloadAsync(page, "#csv-plain");
        Assert.StartsWith("party,kind,name,function,rank,role,erased,checkedIn,checkedInAt,gate\r\n", plain.TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Contains("Head of BE", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("@example.org", plain, StringComparison.Ordinal);

        // The withdrawn expert's data: the confirmation says what stays, then it is erased.
        await page.GotoAsync($"/protocol/{slug}/delegations/{be.Id}/members/{be.Members[2]}");
        await page.Locator("#erase-link").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Erase the personal data of Expert of BE");
        await Expect(page.Locator("#erase-stays")).ToContainTextAsync("Signatures in the register of signatories");
        await Expect(page.Locator("#still-member")).ToHaveCountAsync(0);
        await page.Locator("#confirm-erase").ClickAsync();
        await Expect(page.Locator("#done")).ToContainTextAsync("The member's personal data is erased.");
        await Expect(page.Locator($"#member-{be.Members[2]:N}-name")).ToContainTextAsync("(personal data erased)");
        await Expect(page.Locator("#history")).ToContainTextAsync("Personal data erased");
        Assert.DoesNotContain("expert.be@example.org", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("fr")]
    public async Task Every_protocol_page_reads_in_its_language_passes_axe_and_is_photographed_at_three_widths(string lang)
    {
        var fr = lang == "fr";
        var prefix = fr ? "/fr" : "";
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser", "Expert");
        var nl = await ProtocolKit.StateAsync(staff, slug, "NL");
        await ProtocolKit.ApproveAsync(staff, be, be.Members[0], be.Members[1]);
        await ProtocolKit.FocalPointAsync(staff, be, HttpMethod.Delete, $"/members/{be.Members[2]}");
        var member = $"{prefix}/protocol/{slug}/delegations/{be.Id}/members/{be.Members[0]}";

        var page = await staff.SignedInAsync(StaffFixture.Protocol, prefix + "/");
        async Task CheckAsync(string name, string path, string heading, Func<Task>? act = null)
        {
            await page.GotoAsync(path);
            if (act is not null)
            {
                await act();
            }

            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            await Expect(page.Locator("h1")).ToContainTextAsync(heading);
            await PageChecks.AxeAndScreenshotsAsync(page, $"staff-protocol-{name}.{lang}");
            await page.SetViewportSizeAsync(1280, 900);
        }

        await CheckAsync("conferences", prefix + "/", fr ? "Conférences" : "Conferences");
        await CheckAsync("home", $"{prefix}/protocol/{slug}", "Protocol" + (fr ? "e" : ""));
        await CheckAsync("delegations", $"{prefix}/protocol/{slug}/delegations?awaiting=yes", fr ? "Délégations" : "Delegations");
        await CheckAsync("delegation", $"{prefix}/protocol/{slug}/delegations/{be.Id}", "Belgium");
        await CheckAsync("member", member, "Head of BE");
        await CheckAsync("member-refused", $"{prefix}/protocol/{slug}/delegations/{be.Id}/members/{be.Members[1]}", "Adviser of BE", async () =>
        {
            await page.Locator("#decision-reject").CheckAsync();
            await page.Locator("#record-decision").ClickAsync();
            await Expect(page.Locator("#reason-error")).ToBeVisibleAsync();
        });
        await CheckAsync("queue", $"{prefix}/protocol/{slug}/queue", fr ? "File d'accréditation" : "Accreditation queue");
        await CheckAsync("queue-refusals", $"{prefix}/protocol/{slug}/queue", fr ? "File d'accréditation" : "Accreditation queue", async () =>
        {
            await page.Locator(Select(nl.Members[0])).CheckAsync();
            await ProtocolKit.FocalPointAsync(staff, nl, HttpMethod.Post, "/withdraw", new { reason = "No travel" });
            await page.Locator("#approve-selected").ClickAsync();
            await Expect(page.Locator("#refused li")).ToHaveCountAsync(1);
        });
        await CheckAsync("waiting-list", $"{prefix}/protocol/{slug}/waiting-list", fr ? "Liste d'attente" : "Waiting list");
        await CheckAsync("badges", $"{prefix}/protocol/{slug}/badges", fr ? "Badges à imprimer" : "Badges to print");
        await CheckAsync("reissue", member + "/badge/reissue", fr ? "Réémettre le badge de Head of BE" : "Re-issue the badge of Head of BE");
        await CheckAsync("erase", $"{prefix}/protocol/{slug}/delegations/{be.Id}/members/{be.Members[2]}/erase", "Expert of BE");
        await CheckAsync("participants", $"{prefix}/protocol/{slug}/participants", fr ? "Liste des participants" : "List of participants");

        // An organiser without the protocol role gets the plain Forbidden page.
        var organiser = await staff.SignedInAsync(StaffFixture.Organiser, $"{prefix}/protocol/{slug}/queue");
        await Expect(organiser.Locator("h1")).ToHaveTextAsync(fr ? "Cette page est réservée au protocole" : "This page is for protocol officers");
        await PageChecks.AxeAndScreenshotsAsync(organiser, $"staff-protocol-forbidden.{lang}");
    }

    [Fact]
    public async Task The_protocol_pages_work_without_javascript_and_an_organiser_and_protocol_officer_reaches_them_from_the_conference()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser");
        var page = await staff.SignedInAsync(StaffFixture.Chief, $"/conferences/{slug}", javaScript: false);
        await page.Locator("#protocol-link").ClickAsync();
        await page.Locator("#delegations-link").ClickAsync();
        await page.Locator("#kind").SelectOptionAsync("Company");
        await page.Locator("#filter").ClickAsync();
        await Expect(page.Locator("#shown")).ToHaveTextAsync("0 of 1 delegations shown.");
        await page.Locator("#kind").SelectOptionAsync("State");
        await page.Locator("#awaiting").SelectOptionAsync("yes");
        await page.Locator("#filter").ClickAsync();
        await Expect(page.Locator("#shown")).ToHaveTextAsync("1 of 1 delegations shown.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Belgium" }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Belgium");
        await page.GotoAsync($"/protocol/{slug}/queue");
        await page.Locator(Select(be.Members[0])).CheckAsync();
        await page.Locator(Select(be.Members[1])).CheckAsync();
        await page.Locator("#approve-selected").ClickAsync();
        await Expect(page.Locator("#approved")).ToContainTextAsync("Approved (2):");
        await page.GotoAsync($"/protocol/{slug}/badges");
        await Expect(page.Locator(".badge-card")).ToHaveCountAsync(2);
        await page.GotoAsync($"/protocol/{slug}/delegations?awaiting=yes");
        await Expect(page.Locator("#shown")).ToHaveTextAsync("0 of 1 delegations shown.");
    }

    private static async Task<string> DownloadAsync(IPage page, string link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator(link).ClickAsync());
        await using var stream = await download.CreateReadStreamAsync();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
