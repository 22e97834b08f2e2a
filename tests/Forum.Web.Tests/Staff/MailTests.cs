extern alias mailsink;

using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using MailSinkHost = mailsink::Forum.MailSink.MailSinkHost;

namespace Forum.Web.Tests.Staff;

[Collection(StaffCollection.Name)]
public sealed class MailTests(StaffFixture staff) : IAsyncLifetime
{
    private const string ApiKey = "SG.forum-staff-tests";

    private WebApplication? sink;

    private Uri sinkUrl = null!;

    public async Task InitializeAsync()
    {
        sink = MailSinkHost.Build(["--urls=http://127.0.0.1:0", $"--MailSink:ApiKeys={ApiKey}", "--Logging:LogLevel:Default=Warning"]);
        await sink.StartAsync();
        sinkUrl = new Uri(sink.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        if (sink is not null)
        {
            await sink.StopAsync();
            await sink.DisposeAsync();
        }
    }

    /// <summary>
    /// Sends the conference's waiting mails to the local SendGrid as the API's dispatcher does (the staff tests' API
    /// has no SendGrid key, so nothing else sends them, and a retried mail stays waiting for the page to show).
    /// </summary>
    private async Task DispatchAsync(string slug)
    {
        var services = staff.Api.Services;
        var sendGrid = new SendGridClient(new HttpClient(), Options.Create(new SendGridOptions { BaseUrl = sinkUrl.ToString(), ApiKey = ApiKey }), TimeProvider.System);
        await using var dispatcher = new MailDispatcher(services.GetRequiredService<MailOutbox>(), sendGrid, services.GetRequiredService<SendGridWebhook>(),
            services.GetRequiredService<PersonalDataVault>(), TimeProvider.System, NullLogger<MailDispatcher>.Instance);
        while (await dispatcher.DispatchAsync(10, CancellationToken.None, slug) > 0)
        {
        }
    }

    /// <summary>The conference's mails as the API lists them, once the mail projection has made <paramref name="count"/>.</summary>
    private async Task<List<JsonElement>> MailsAsync(string slug, int count, string? state = null)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var mails = (await staff.GetAsync($"api/conferences/{slug}/mail" + (state is null ? "" : "?state=" + state))).EnumerateArray().ToList();
            if (mails.Count >= count || DateTimeOffset.UtcNow > deadline)
            {
                Assert.Equal(count, mails.Count);
                return mails;
            }

            await Task.Delay(200);
        }
    }

    private async Task RegisterAsync(string slug, string name, string focalPointEmail)
    {
        using var anonymous = new HttpClient { BaseAddress = staff.Api.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/conferences/{slug}/delegations")
        {
            Content = JsonContent.Create(new
            {
                party = new { kind = "NonGovernmentalOrganisation", name },
                focalPoint = new { name = "Ines Moreau", email = focalPointEmail },
                members = new[] { new { name = "Maria Keller", function = "Director", rank = "HeadOfOrganisation", email = "maria.keller@example.org", isHead = true, hasFullPowers = false } },
            }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await anonymous.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mails_are_listed_by_state_with_SendGrid_s_reason_and_a_dead_one_is_retried()
    {
        var slug = await staff.ConferenceAsync(publish: true);
        await staff.PostAsync($"api/conferences/{slug}/registration/open", null);
        // The API takes an underscore in a domain (.NET's MailAddress does); SendGrid, and so the local SendGrid, refuses it for good.
        await RegisterAsync(slug, "Hotline Brussels", "ines.moreau@hotline_bxl.example.org");
        await RegisterAsync(slug, "Child Helpline Lisbon", "ines.moreau@helpline.example.org");
        await MailsAsync(slug, 2);
        await DispatchAsync(slug);
        var dead = Assert.Single(await MailsAsync(slug, 1, "Dead"));
        Assert.Single(await MailsAsync(slug, 1, "Sent"));
        var deadId = dead.GetProperty("id").GetGuid();

        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Mail", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Mail");
        await Expect(page.Locator("#mail tbody tr")).ToHaveCountAsync(2);
        var deadRow = page.Locator($"#mail-{deadId}");
        await Expect(deadRow).ToContainTextAsync("ines.moreau@hotline_bxl.example.org");
        await Expect(deadRow).ToContainTextAsync("Registration received");
        await Expect(deadRow.Locator(".tag")).ToHaveTextAsync("Dead");
        await Expect(deadRow.Locator(".mail-error")).ToContainTextAsync("personalizations.0.to.0.email");
        await Expect(page.Locator("#mail tbody tr", new() { HasText = "ines.moreau@helpline.example.org" }).Locator(".tag")).ToHaveTextAsync("Sent");
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-mail");
        await page.SetViewportSizeAsync(1280, 900);

        // The filter is a GET form.
        await page.GetByLabel("State").SelectOptionAsync("Dead");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        Assert.EndsWith("?state=Dead", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#mail tbody tr")).ToHaveCountAsync(1);
        await page.GetByLabel("State").SelectOptionAsync("Waiting");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.Locator("#mail-none")).ToHaveTextAsync("No mail is waiting.");

        await page.GotoAsync($"/conferences/{slug}/mail?state=Dead");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry “Registration received: Hotline Brussels" }).ClickAsync();
        await Expect(page.Locator("#mail-message")).ToHaveTextAsync("The mail waits to be sent again.");
        await Expect(deadRow.Locator(".tag")).ToHaveTextAsync("Waiting");
        await Expect(deadRow).ToHaveClassAsync("mail-retried");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToHaveCountAsync(0);
        var waiting = Assert.Single(await MailsAsync(slug, 1, "Waiting"));
        Assert.Equal(deadId, waiting.GetProperty("id").GetGuid());

        await page.GotoAsync($"/fr/conferences/{slug}/mail");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Courriels");
        await Expect(deadRow.Locator(".tag")).ToHaveTextAsync("En attente");
        await PageChecks.AxeAndScreenshotsAsync(page, "staff-mail.fr");
    }
}
