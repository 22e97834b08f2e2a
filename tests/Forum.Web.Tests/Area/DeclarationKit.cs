using System.Net.Http.Json;
using System.Text.Json;
using Forum.Web.Tests.Infrastructure;

namespace Forum.Web.Tests.Area;

/// <summary>A conference of its own (so the area lists only this test's declaration), with a declaration adopted and open for signature now.</summary>
public sealed record DeclarationSetup(string Slug, Guid DeclarationId, string TextHash);

public static class DeclarationKit
{
    public const string Title = "Declaration on online child safety";

    /// <summary>A fresh conference, published and open for registration; with a declaration of two commitments (the second with an indicator) when asked.</summary>
    public static async Task<DeclarationSetup> ConferenceAsync(WebFixture web, bool declaration = true, string? seriesSlug = null)
    {
        var slug = "decl-" + Guid.NewGuid().ToString("N")[..10];
        await web.PostAsync("api/conferences", new
        {
            slug,
            title = "Forum on online child safety",
            seriesSlug,
            venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" },
            timeZone = "Europe/Brussels",
            firstDay = "2030-06-03",
            lastDay = "2030-06-04",
            languages = new[] { "en", "fr" },
            capacity = 100,
            delegationQuota = 3,
        });
        await web.PostAsync($"api/conferences/{slug}/publish", null);
        await web.PostAsync($"api/conferences/{slug}/registration/open", null);
        if (!declaration)
        {
            return new DeclarationSetup(slug, Guid.Empty, "");
        }

        var drafted = await web.PostAsync($"api/conferences/{slug}/declarations", new
        {
            title = Title,
            preamble = "We, the parties, commit to protect children online.",
            commitments = new object[]
            {
                new { text = "Identify more victims." },
                new { text = "Grow the shared database of abuse material.", indicator = new { name = "Growth of the database", unit = "percent" }, yearlyTarget = 10m },
            },
        });
        var id = drafted.GetProperty("id").GetGuid();
        var adopted = await web.PostAsync($"api/declarations/{id}/adopt", null);
        await web.PostAsync($"api/declarations/{id}/open-for-signature", new { });
        return new DeclarationSetup(slug, id, adopted.GetProperty("textHash").GetString()!);
    }

    /// <summary>Signs through the API with the focal point's token (for tests of what comes after).</summary>
    public static async Task SignAsync(WebFixture web, Registered d, Guid declarationId, Guid memberId)
    {
        using var focal = AreaKit.FocalPoint(web, d);
        using var response = await focal.PostAsJsonAsync($"api/declarations/{declarationId}/signatures", new { delegationId = d.Id, memberId, place = "Brussels" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The public register's rows, as anyone reads them.</summary>
    public static async Task<List<JsonElement>> RegisterRowsAsync(WebFixture web, Guid declarationId)
    {
        using var anonymous = new HttpClient { BaseAddress = web.Api.Address };
        var register = await anonymous.GetFromJsonAsync<JsonElement>($"api/declarations/{declarationId}/signatories");
        return register.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rows").EnumerateArray()).ToList();
    }

    /// <summary>The party's report for a year as the API holds it (organiser's view).</summary>
    public static async Task<JsonElement> ReportAsync(WebFixture web, Guid declarationId, Guid delegationId, int year) =>
        await web.Organiser.GetFromJsonAsync<JsonElement>($"api/declarations/{declarationId}/reports/{delegationId}?year={year}");

    /// <summary>The current year where the conference is (Brussels), the year a declaration adopted today reports on.</summary>
    public static int ThisYear => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Brussels")).Year;
}
