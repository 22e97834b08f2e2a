using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

/// <summary>
/// The check-in scanner (/check-in): decisions on the device with no network, the queue sent once on reconnection, two
/// gates learning from each other, sign-out clearing the device, the camera, and its pages' accessibility.
/// </summary>
[Collection(StaffCollection.Name)]
public sealed class ScannerTests(StaffFixture staff)
{
    [Fact]
    public async Task Offline_every_scan_is_decided_on_the_device_the_page_reopens_without_network_and_on_reconnection_the_queue_is_sent_once_with_the_scan_times()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser", "Expert");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var (otherSlug, _, _) = await StaffKit.MinisterialAsync(staff);
        var nl = await ProtocolKit.StateAsync(staff, otherSlug, "NL");
        await ProtocolKit.ApproveAsync(staff, nl, [.. nl.Members]);
        var head = await CodeAsync(be.Id, be.Members[0]);
        var adviserOld = await CodeAsync(be.Id, be.Members[1]);
        var expert = await CodeAsync(be.Id, be.Members[2]);
        var otherConference = await CodeAsync(nl.Id, nl.Members[0]);

        var page = await ScannerAsync(slug, "Gate A");
        await Expect(page.Locator("#device-state")).ToContainTextAsync("3 participants");

        // After the device's first copy: the adviser's badge re-issued, the expert withdrawn; the device pulls both.
        var adviserNew = await ReissueAsync(be.Id, be.Members[1]);
        await ProtocolKit.FocalPointAsync(staff, be, HttpMethod.Delete, $"/members/{be.Members[2]}");
        await PulledAfterNowAsync(page);

        await page.Context.SetOfflineAsync(true);
        var firstScan = DateTimeOffset.UtcNow;
        await ExpectVerdictAsync(page, head, "valid", "Valid: let in", "Head of BE");
        var afterFirstScan = DateTimeOffset.UtcNow;
        // From the code's arrival to the answer on screen, measured in the page.
        Assert.InRange(double.Parse((await page.Locator("#verdict").GetAttributeAsync("data-ms"))!, System.Globalization.CultureInfo.InvariantCulture), 0, 100);
        await ExpectVerdictAsync(page, Altered(head), "invalid", "Not a badge");
        await ExpectVerdictAsync(page, otherConference, "other", "Another conference's badge");
        await ExpectVerdictAsync(page, adviserOld, "reissued", "Re-issued badge");
        await ExpectVerdictAsync(page, expert, "notAccredited", "Not accredited");
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("5");

        // The page opens again with no network, from the service worker's cache, and still decides.
        await page.ReloadAsync();
        await Expect(page.Locator("#scanner")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("5");
        await ExpectVerdictAsync(page, head, "already", "Already checked in at Gate A");
        await ExpectVerdictAsync(page, adviserNew, "valid", "Valid: let in", "Adviser of BE");
        var lastScan = DateTimeOffset.UtcNow;
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("7");

        // Back online: the queue goes, once; each member counts once, at the time of the scan that admitted them.
        await page.Context.SetOfflineAsync(false);
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("0");
        var summary = await staff.GetAsync($"api/conferences/{slug}/check-in/summary");
        Assert.Equal(2, summary.GetProperty("checkedIn").GetInt32());
        Assert.Equal(2, summary.GetProperty("participants").GetInt32());
        var gates = summary.GetProperty("byGate").EnumerateArray().ToList();
        Assert.Equal("Gate A", Assert.Single(gates).GetProperty("gate").GetString());
        Assert.Equal(0, summary.GetProperty("needsALook").GetArrayLength());
        var participants = await ParticipantsAsync(slug);
        var headIn = participants.Single(p => p.GetProperty("memberId").GetGuid() == be.Members[0]).GetProperty("checkedInAt").GetDateTimeOffset();
        Assert.InRange(headIn, firstScan.AddSeconds(-1), afterFirstScan.AddSeconds(1));
        var adviserIn = participants.Single(p => p.GetProperty("memberId").GetGuid() == be.Members[1]).GetProperty("checkedInAt").GetDateTimeOffset();
        Assert.InRange(adviserIn, afterFirstScan, lastScan.AddSeconds(1));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_holder_let_in_offline_whose_badge_the_server_then_refuses_is_listed_for_a_look()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var adviser = await CodeAsync(be.Id, be.Members[1]);
        var page = await ScannerAsync(slug, "Gate A");

        await page.Context.SetOfflineAsync(true);
        await ExpectVerdictAsync(page, adviser, "valid", "Valid: let in", "Adviser of BE");
        // Withdrawn while the device was offline: the server refuses the scan when it arrives.
        await ProtocolKit.FocalPointAsync(staff, be, HttpMethod.Delete, $"/members/{be.Members[1]}");
        await page.Context.SetOfflineAsync(false);
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("0");
        var look = page.Locator($"#needs-look li[data-look^='look-refused-']");
        await Expect(look).ToContainTextAsync("admitted (Gate A");
        await Expect(look).ToContainTextAsync("but the server refused the badge");
        // The withdrawn member's name has left the device: the look names the member by id.
        await Expect(look).ToContainTextAsync(be.Members[1].ToString());
        Assert.Equal(0, (await staff.GetAsync($"api/conferences/{slug}/check-in/summary")).GetProperty("checkedIn").GetInt32());

        // Kept on the device: the look is still there after a reload.
        await page.ReloadAsync();
        await Expect(page.Locator("#scanner")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(page.Locator($"#needs-look li[data-look^='look-refused-']")).ToContainTextAsync("but the server refused the badge");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Two_gates_offline_both_admit_one_badge_both_list_the_flag_after_syncing_and_online_the_second_gate_answers_already_checked_in_at_the_first()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var head = await CodeAsync(be.Id, be.Members[0]);
        var adviser = await CodeAsync(be.Id, be.Members[1]);
        var a = await ScannerAsync(slug, "Gate A");
        var b = await ScannerAsync(slug, "Gate B");

        await a.Context.SetOfflineAsync(true);
        await b.Context.SetOfflineAsync(true);
        await ExpectVerdictAsync(a, head, "valid", "Valid: let in", "Head of BE");
        await ExpectVerdictAsync(b, head, "valid", "Valid: let in", "Head of BE");
        await a.Context.SetOfflineAsync(false);
        await Expect(a.Locator("#queue-count")).ToHaveTextAsync("0");
        await b.Context.SetOfflineAsync(false);
        await Expect(b.Locator("#queue-count")).ToHaveTextAsync("0");
        foreach (var gate in new[] { a, b })
        {
            await Expect(gate.Locator($"#needs-look [data-look='look-{be.Members[0]}']")).ToContainTextAsync("Head of BE: admitted more than once (Gate A");
            await Expect(gate.Locator($"#needs-look [data-look='look-{be.Members[0]}']")).ToContainTextAsync("Gate B");
        }

        // Both online: admitted at A, the badge is known at B within a pull.
        await ExpectVerdictAsync(a, adviser, "valid", "Valid: let in", "Adviser of BE");
        await Expect(a.Locator("#queue-count")).ToHaveTextAsync("0");
        await PulledAfterNowAsync(b);
        await ExpectVerdictAsync(b, adviser, "already", "Already checked in at Gate A", "Adviser of BE");
        await a.Context.CloseAsync();
        await b.Context.CloseAsync();
    }

    [Fact]
    public async Task A_session_that_ends_while_offline_loses_no_scan_decisions_go_on_and_after_signing_in_again_the_queue_is_sent()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var head = await CodeAsync(be.Id, be.Members[0]);
        var page = await ScannerAsync(slug, "Gate A");

        await page.Context.SetOfflineAsync(true);
        await ExpectVerdictAsync(page, head, "valid", "Valid: let in", "Head of BE");
        // The session ends meanwhile (its cookies gone, as when it outlives its lifetime), then the network is back.
        await page.Context.ClearCookiesAsync();
        await page.Context.SetOfflineAsync(false);
        await Expect(page.Locator("#signin-again")).ToBeVisibleAsync();
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("1");
        await ExpectVerdictAsync(page, head, "already", "Already checked in at Gate A", "Head of BE");
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("2");
        Assert.Equal(0, (await staff.GetAsync($"api/conferences/{slug}/check-in/summary")).GetProperty("checkedIn").GetInt32());

        // Signed in again through the page's link: the queue kept on the device goes.
        var link = await page.Locator("#signin-link").GetAttributeAsync("href");
        await staff.SignInAsync(page, StaffFixture.Protocol, link!);
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("0");
        Assert.Equal(1, (await staff.GetAsync($"api/conferences/{slug}/check-in/summary")).GetProperty("checkedIn").GetInt32());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_participant_without_a_badge_is_found_in_the_roster_and_checked_in_by_hand_with_a_reason()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var page = await ScannerAsync(slug, "Gate H");
        await page.Locator("#manual-search").FillAsync("advis");
        var button = page.Locator($"#manual-results button[data-member='{be.Members[1]}']");
        await Expect(button).ToHaveTextAsync("Check in – Adviser of BE");
        await button.ClickAsync();
        await Expect(page.Locator("#manual-message")).ToHaveTextAsync("Give the reason first.");
        await page.Locator("#manual-reason").FillAsync("Badge left at the hotel");
        await button.ClickAsync();
        await Expect(page.Locator("#verdict")).ToHaveAttributeAsync("data-kind", "valid");
        await Expect(page.Locator("#verdict .verdict-name")).ToHaveTextAsync("Adviser of BE");
        await Expect(page.Locator("#manual-message")).ToHaveTextAsync("Adviser of BE checked in by hand.");
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("0");
        var participants = await ParticipantsAsync(slug);
        var adviser = participants.Single(p => p.GetProperty("memberId").GetGuid() == be.Members[1]);
        Assert.Equal("Gate H", adviser.GetProperty("gate").GetString());
        var head = participants.Single(p => p.GetProperty("memberId").GetGuid() == be.Members[0]);
        Assert.False(head.TryGetProperty("checkedInAt", out var headIn) && headIn.ValueKind != JsonValueKind.Null);
        // The reason is recorded with the check-in, and every gate learns it.
        var checkIn = (await staff.GetAsync($"api/conferences/{slug}/check-in/roster")).GetProperty("checkIns").EnumerateArray()
            .Single(c => c.GetProperty("memberId").GetGuid() == be.Members[1]);
        Assert.Equal("Badge left at the hotel", checkIn.GetProperty("reason").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Signing_out_clears_what_the_scanner_kept_on_the_device_after_a_warning_while_scans_wait()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var head = await CodeAsync(be.Id, be.Members[0]);
        var page = await ScannerAsync(slug, "Gate A");
        Assert.Contains("forum-check-in", await page.EvaluateAsync<string[]>("async () => (await indexedDB.databases()).map(d => d.name)"));
        Assert.NotEmpty(await page.EvaluateAsync<string[]>("async () => await caches.keys()"));

        // A scan not yet sent: the first sign-out only warns, and the scan goes once the network is back.
        await page.Context.SetOfflineAsync(true);
        await ExpectVerdictAsync(page, head, "valid", "Valid: let in", "Head of BE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("#signout-warning")).ToContainTextAsync("Some scans (1) have not reached the server yet");
        Assert.Contains($"/check-in/{slug}", page.Url, StringComparison.Ordinal);
        await page.Context.SetOfflineAsync(false);
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("0");
        await Expect(page.Locator("#signout-warning")).ToBeHiddenAsync();
        Assert.Equal(1, (await staff.GetAsync($"api/conferences/{slug}/check-in/summary")).GetProperty("checkedIn").GetInt32());

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(staff.Staff.Address + "signed-out", StringComparison.Ordinal));
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-device-cleared", "true");
        Assert.DoesNotContain("forum-check-in", await page.EvaluateAsync<string[]>("async () => (await indexedDB.databases()).map(d => d.name)"));
        Assert.Empty(await page.EvaluateAsync<string[]>("async () => await caches.keys()"));
        Assert.Equal(0, await page.EvaluateAsync<int>("async () => (await navigator.serviceWorker.getRegistrations()).length"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_badge_shown_to_the_camera_is_read_with_jsqr_and_checked_in()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);

        // The badge's QR code as the API draws it (PNG), made into a video for Chromium's fake camera.
        var folder = Directory.CreateTempSubdirectory("forum-camera-");
        var png = Path.Combine(folder.FullName, "badge.png");
        var video = Path.Combine(folder.FullName, "badge.y4m");
        using (var protocol = StaffKit.As(staff, Roles.Protocol))
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"api/delegations/{be.Id}/members/{be.Members[0]}/badge"))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
            using var response = await protocol.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode);
            await File.WriteAllBytesAsync(png, await response.Content.ReadAsByteArrayAsync());
        }

        using (var ffmpeg = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ffmpeg",
            ["-loglevel", "error", "-y", "-loop", "1", "-i", png, "-t", "3", "-r", "10", "-vf",
             "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p", video])
            { RedirectStandardError = true })!)
        {
            var errors = await ffmpeg.StandardError.ReadToEndAsync();
            await ffmpeg.WaitForExitAsync();
            Assert.True(ffmpeg.ExitCode == 0, "ffmpeg (./forum test installs it): " + errors);
        }

        // Its own Chromium: the fake camera is a launch flag.
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = WebFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-video-capture={video}"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = staff.Staff.Address.ToString(), Permissions = ["camera"] });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await staff.SignInAsync(page, StaffFixture.Protocol, $"/check-in/{slug}?gate=Gate%20C");
        await Expect(page.Locator("#scanner")).ToHaveAttributeAsync("data-synced", "true");
        await page.Locator("#camera-toggle").ClickAsync();
        await Expect(page.Locator("#camera-toggle")).ToHaveTextAsync("Stop the camera");
        await Expect(page.Locator("#verdict")).ToHaveAttributeAsync("data-kind", "valid");
        await Expect(page.Locator("#verdict .verdict-name")).ToHaveTextAsync("Head of BE");
        await Expect(page.Locator("#queue-count")).ToHaveTextAsync("0");
        var summary = await staff.GetAsync($"api/conferences/{slug}/check-in/summary");
        Assert.Equal(1, summary.GetProperty("checkedIn").GetInt32());
        Assert.Equal("Gate C", summary.GetProperty("byGate")[0].GetProperty("gate").GetString());
        await context.CloseAsync();
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Without_javascript_a_typed_code_is_checked_in_online_and_the_apis_answer_shown()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var head = await CodeAsync(be.Id, be.Members[0]);
        var page = await staff.SignedInAsync(StaffFixture.Protocol, $"/protocol/{slug}", javaScript: false);
        await page.Locator("#check-in-link").ClickAsync();
        await page.Locator("#start").ClickAsync();
        await Expect(page.Locator("#gate-error")).ToContainTextAsync("Name your gate");
        await page.Locator("#gate").FillAsync("Gate N");
        await page.Locator("#start").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Check-in – Gate N");
        await page.Locator("#code").FillAsync(head);
        await page.Locator("#scan-submit").ClickAsync();
        await Expect(page.Locator("#server-verdict")).ToContainTextAsync("Valid: let in");
        await Expect(page.Locator("#server-verdict")).ToContainTextAsync("Head of BE");
        await page.Locator("#code").FillAsync(head);
        await page.Locator("#scan-submit").ClickAsync();
        await Expect(page.Locator("#server-verdict")).ToContainTextAsync("Already checked in at Gate N");
        await page.Locator("#code").FillAsync(Altered(head));
        await page.Locator("#scan-submit").ClickAsync();
        await Expect(page.Locator("#server-verdict")).ToContainTextAsync("Not a badge");
        await page.GotoAsync($"/check-in/{slug}/summary");
        await Expect(page.Locator("#summary-total")).ToHaveTextAsync("1 checked in out of 1 accredited participants.");
        await Expect(page.Locator("#by-gate")).ToContainTextAsync("Gate N");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_scanners_pages_pass_axe_and_are_shown_at_three_widths_in_both_languages()
    {
        var (slug, _, _) = await StaffKit.MinisterialAsync(staff);
        var be = await ProtocolKit.StateAsync(staff, slug, "BE", "Adviser");
        await ProtocolKit.ApproveAsync(staff, be, [.. be.Members]);
        var head = await CodeAsync(be.Id, be.Members[0]);
        foreach (var (french, name) in new[] { (false, "en"), (true, "fr") })
        {
            var prefix = french ? "/fr" : "";
            var page = await ScannerAsync(slug, "Gate A", french);
            await PageChecks.AxeAndScreenshotsAsync(page, $"staff-check-in-scanner.{name}");
            await page.Locator("#code").FillAsync(head);
            await page.Locator("#code").PressAsync("Enter");
            await Expect(page.Locator("#verdict")).ToBeVisibleAsync();
            await PageChecks.AxeAndScreenshotsAsync(page, $"staff-check-in-verdict.{name}");
            await page.GotoAsync($"{prefix}/check-in?slug={slug}");
            await PageChecks.AxeAndScreenshotsAsync(page, $"staff-check-in-start.{name}");
            await page.GotoAsync($"{prefix}/check-in/{slug}/summary");
            await PageChecks.AxeAndScreenshotsAsync(page, $"staff-check-in-summary.{name}");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_vendored_jsqr_is_the_pinned_packages_file_byte_for_byte()
    {
        var folder = Path.Combine(WebFixture.RepositoryRoot, "web", "Forum.Staff");
        var package = Path.Combine(folder, "scanner", "node_modules", "jsqr", "dist", "jsQR.js");
        Assert.True(File.Exists(package), "jsQR is not installed: ./forum test installs it (npm ci in web/Forum.Staff/scanner).");
        var installed = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "scanner", "node_modules", "jsqr", "package.json")));
        Assert.Equal("1.4.0", installed.RootElement.GetProperty("version").GetString());
        Assert.Equal(await File.ReadAllBytesAsync(package), await File.ReadAllBytesAsync(Path.Combine(folder, "wwwroot", "static", "jsQR.js")));
    }

    /// <summary>The scanner at a gate, signed in as the protocol officer, once its device holds the key, the roster and the page.</summary>
    private async Task<IPage> ScannerAsync(string slug, string gate, bool french = false)
    {
        var page = await staff.SignedInAsync(StaffFixture.Protocol, $"{(french ? "/fr" : "")}/check-in/{slug}?gate={Uri.EscapeDataString(gate)}");
        var scanner = page.Locator("#scanner");
        await Expect(scanner).ToHaveAttributeAsync("data-synced", "true");
        await Expect(scanner).ToHaveAttributeAsync("data-kept", "true");
        return page;
    }

    private static async Task<int> PullsAsync(IPage page) => int.Parse(await page.Locator("#scanner").GetAttributeAsync("data-pulls") ?? "0");

    /// <summary>Waits for a pull that began after now: two more than the count now (one may have been under way).</summary>
    private static async Task PulledAfterNowAsync(IPage page)
    {
        var pulls = await PullsAsync(page);
        await page.WaitForFunctionAsync("n => +document.getElementById('scanner').dataset.pulls >= n", pulls + 2, new() { Timeout = 20_000 });
    }

    /// <summary>Types a code as a handheld scanner does (the code, then Enter) and waits for that scan's verdict.</summary>
    private static async Task ExpectVerdictAsync(IPage page, string code, string kind, string title, string? name = null)
    {
        var verdict = page.Locator("#verdict");
        var before = int.Parse(await verdict.GetAttributeAsync("data-scan") ?? "0");
        await page.Locator("#code").FillAsync(code);
        await page.Locator("#code").PressAsync("Enter");
        await Expect(verdict).ToHaveAttributeAsync("data-scan", (before + 1).ToString());
        await Expect(verdict).ToHaveAttributeAsync("data-kind", kind);
        await Expect(verdict.Locator(".verdict-title")).ToContainTextAsync(title);
        await Expect(page.Locator("#verdict-live")).ToContainTextAsync(title);
        if (name is not null)
        {
            await Expect(verdict.Locator(".verdict-name")).ToHaveTextAsync(name);
        }
    }

    /// <summary>A code with one byte of its payload changed (in the member id): well-formed, but its signature fails.</summary>
    private static string Altered(string code)
    {
        var dot = code.IndexOf('.');
        var payload = Base64Url.DecodeFromChars(code.AsSpan(0, dot));
        payload[20] ^= 0x01;
        return Base64Url.EncodeToString(payload) + code[dot..];
    }

    private async Task<string> CodeAsync(Guid delegation, Guid member)
    {
        using var protocol = StaffKit.As(staff, Roles.Protocol);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/delegations/{delegation}/members/{member}/badge");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await protocol.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
    }

    private async Task<string> ReissueAsync(Guid delegation, Guid member)
    {
        using var protocol = StaffKit.As(staff, Roles.Protocol);
        using var response = await protocol.PostAsync($"api/delegations/{delegation}/members/{member}/badge/reissue", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
    }

    private async Task<List<JsonElement>> ParticipantsAsync(string slug)
    {
        using var protocol = StaffKit.As(staff, Roles.Protocol);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/conferences/{slug}/participants");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await protocol.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
