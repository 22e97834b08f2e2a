using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Declarations;

/// <summary>The declaration pages over the demo's declarations: the text and its hash, the register, the progress charts.</summary>
[Collection(WebCollection.Name)]
public sealed class DeclarationPagesTests(WebFixture web)
{
    private async Task<Guid> DeclarationAsync(string slug)
    {
        await web.DemoAsync();
        return Assert.Single(await web.DeclarationsAsync(slug)).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task The_conference_links_to_its_declaration_whose_page_gives_the_text_and_the_hash_of_its_canonical_form()
    {
        var id = await DeclarationAsync("global-alliance-2012");
        using var api = new HttpClient { BaseAddress = web.Api.Address };
        var canonical = await api.GetByteArrayAsync($"api/declarations/{id}/text");
        var hash = Convert.ToHexStringLower(SHA256.HashData(canonical));

        var page = await web.NewPageAsync();
        await page.GotoAsync("/conferences/global-alliance-2012");
        await page.Locator("#declarations + ul a").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/declarations/{id}$"));
        await Expect(page.Locator(".hash code")).ToHaveTextAsync(hash);
        await Expect(page.Locator("pre.command")).ToHaveTextAsync($"curl -s {web.Api.Address}api/declarations/{id}/text | sha256sum");
        await Expect(page.Locator(".summary-list")).ToContainTextAsync("48 parties bound by it");
        await Expect(page.Locator("ol.commitments > li").First).ToBeVisibleAsync();

        var fr = await web.NewPageAsync();
        await fr.GotoAsync($"/fr/declarations/{id}");
        await Expect(fr.Locator(".summary-list")).ToContainTextAsync("48 parties engagées");
        await Expect(fr.Locator(".hash code")).ToHaveTextAsync(hash);
    }

    [Fact]
    public async Task The_register_lists_every_party_by_kind_with_its_totals_signatory_and_date()
    {
        var id = await DeclarationAsync("global-alliance-2012");
        var page = await web.NewPageAsync();
        await page.GotoAsync($"/declarations/{id}/signatories");
        await Expect(page.Locator("h2#group-State")).ToHaveTextAsync("States");
        await Expect(page.Locator("main")).ToContainTextAsync("48 parties, 48 bound");
        await Expect(page.Locator("#group-State + p + .table-wrap tbody tr")).ToHaveCountAsync(48);
        var holder = page.Locator("tbody tr", new() { HasText = "United States" });
        await Expect(holder).ToContainTextAsync("Eric Holder");
        await Expect(holder).ToContainTextAsync("Signed");
        await Expect(holder).ToContainTextAsync("December 2012");

        var fr = await web.NewPageAsync();
        await fr.GotoAsync($"/fr/declarations/{id}/signatories");
        await Expect(fr.Locator("h2#group-State")).ToHaveTextAsync("États");
        await Expect(fr.Locator("main")).ToContainTextAsync("décembre 2012");
    }

    [Fact]
    public async Task Progress_draws_a_chart_per_commitment_and_one_per_indicator_each_with_a_caption_and_the_same_figures_in_a_table()
    {
        var id = await DeclarationAsync("tech-coalition-forum-2020");
        using var api = new HttpClient { BaseAddress = web.Api.Address };
        var progress = await api.GetFromJsonAsync<JsonElement>($"api/declarations/{id}/progress");
        var y2020 = progress.GetProperty("years").EnumerateArray().Single(y => y.GetProperty("year").GetInt32() == 2020);
        var first = y2020.GetProperty("commitments")[0];

        var page = await web.NewPageAsync();
        await page.GotoAsync($"/declarations/{id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Progress year by year" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Progress");
        // Five commitments, the fifth with an indicator and a target: six charts, each an SVG beside its caption and table.
        await Expect(page.Locator("figure.chart")).ToHaveCountAsync(6);
        await Expect(page.Locator("figure.chart > svg")).ToHaveCountAsync(6);
        await Expect(page.Locator("figure.chart > figcaption")).ToHaveCountAsync(6);
        await Expect(page.Locator("figure.chart table")).ToHaveCountAsync(6);
        await Expect(page.Locator("#indicator-5 figcaption")).ToContainTextAsync("against the yearly target of 100");
        await Expect(page.Locator("#indicator-5 svg line[stroke-dasharray]")).ToHaveCountAsync(1);

        var row = page.Locator("#statuses-1 tbody tr", new() { HasText = "2020" });
        var statuses = first.GetProperty("statuses");
        var notReported = first.GetProperty("signatories").GetInt32() - first.GetProperty("reported").GetInt32();
        await Expect(row.Locator("td")).ToHaveTextAsync([
            statuses.GetProperty("achieved").GetInt32().ToString(), statuses.GetProperty("inProgress").GetInt32().ToString(),
            statuses.GetProperty("notStarted").GetInt32().ToString(), notReported.ToString()]);
        Assert.True(notReported > 0, "the demo has parties that did not report on 2020");
        var reportsRow = page.Locator("table", new() { Has = page.Locator("#reports-caption") }).Locator("tbody tr", new() { HasText = "2021" });
        await Expect(reportsRow.Locator("td").Nth(1)).ToHaveTextAsync("4");

        var fr = await web.NewPageAsync();
        await fr.GotoAsync($"/fr/declarations/{id}/progress");
        await Expect(fr.Locator("#indicator-5 figcaption")).ToContainTextAsync("objectif annuel de 100");
        await Expect(fr.Locator("#statuses-1 svg")).ToContainTextAsync("Sans rapport");
    }

    [Fact]
    public async Task A_declaration_that_does_not_exist_is_not_found()
    {
        using var client = new HttpClient { BaseAddress = web.Web.Address };
        foreach (var path in new[] { "", "/signatories", "/progress" })
        {
            using var response = await client.GetAsync($"/declarations/{Guid.NewGuid()}{path}");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        }
    }
}
