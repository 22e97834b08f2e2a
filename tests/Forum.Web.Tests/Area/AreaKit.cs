using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Area;

/// <summary>A delegation registered through the API as its test needs it: id, access token, members' ids.</summary>
public sealed record Registered(Guid Id, string Token, string Name, IReadOnlyList<Guid> MemberIds);

/// <summary>Delegations made through the API (the form has its own tests), protocol's decisions, and the access link followed.</summary>
public static class AreaKit
{
    public static object Member(string name, string function, string rank, bool isHead) =>
        new { name, function, rank, email = name.ToLowerInvariant().Replace(' ', '.') + "@example.org", isHead, hasFullPowers = isHead };

    /// <summary>A company (a unique name, so tests never meet each other's parties) with a head and an adviser.</summary>
    public static async Task<Registered> RegisterAsync(WebFixture web, string headRank = "HeadOfOrganisation", string? slug = null, string? name = null)
    {
        name ??= "Company " + Guid.NewGuid().ToString("N")[..8];
        using var client = new HttpClient { BaseAddress = web.Api.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/conferences/{slug ?? web.Slug}/delegations")
        {
            Content = JsonContent.Create(new
            {
                party = new { kind = "Company", name },
                focalPoint = new { name = "Ines Moreau", email = "ines.moreau@example.org" },
                members = new[] { Member("Maria Keller", "Chief executive", headRank, true), Member("Tom Berg", "Head of trust and safety", "SeniorOfficial", false) },
            }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        return new Registered(
            body.GetProperty("id").GetGuid(), body.GetProperty("accessToken").GetString()!, name,
            body.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToList());
    }

    public static HttpClient Protocol(WebFixture web)
    {
        var client = new HttpClient { BaseAddress = web.Api.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            StaffTokenHandler.Issue(web.Api.SigningKey, "test-protocol", Roles.Protocol, DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        return client;
    }

    public static async Task AccreditAsync(WebFixture web, Guid delegation, Guid member)
    {
        using var protocol = Protocol(web);
        using var response = await protocol.PostAsJsonAsync($"api/delegations/{delegation}/members/{member}/accreditation", new { decision = "approve" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The delegation as the organiser sees it.</summary>
    public static async Task<JsonElement> HeldAsync(WebFixture web, Guid delegation) =>
        await web.Organiser.GetFromJsonAsync<JsonElement>($"api/delegations/{delegation}");

    /// <summary>The focal point's own client: its token as a bearer token.</summary>
    public static HttpClient FocalPoint(WebFixture web, Registered d)
    {
        var client = new HttpClient { BaseAddress = web.Api.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", d.Token);
        return client;
    }

    public static async Task<Guid> SessionIdAsync(WebFixture web, int number)
    {
        var agenda = await web.Organiser.GetFromJsonAsync<JsonElement>($"api/conferences/{web.Slug}/agenda");
        return agenda.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateArray()).SelectMany(r => r.GetProperty("sessions").EnumerateArray())
            .Single(s => s.GetProperty("number").GetInt32() == number).GetProperty("id").GetGuid();
    }

    public static async Task TakeSeatAsync(WebFixture web, Registered d, int session, Guid member)
    {
        using var client = new HttpClient { BaseAddress = web.Api.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", d.Token);
        using var response = await client.PostAsJsonAsync($"api/delegations/{d.Id}/seats", new { sessionId = await SessionIdAsync(web, session), memberIds = new[] { member } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Follows the access link as the focal point does; the area opens at the clean address.</summary>
    public static async Task OpenAsync(IPage page, Registered d, string language = "")
    {
        await page.GotoAsync($"{language}/access/{d.Token}");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"{language}/delegation$"));
        await Expect(page.Locator("h1")).ToContainTextAsync(d.Name);
    }
}
