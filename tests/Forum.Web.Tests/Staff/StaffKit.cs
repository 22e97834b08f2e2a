using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Infrastructure;

namespace Forum.Web.Tests.Staff;

/// <summary>A state's delegation registered through the API: its id, its focal point's token, its head's id.</summary>
public sealed record StateDelegation(Guid Id, string Token, Guid HeadId, string Code);

/// <summary>What the staff pages' tests make through the API (the pages under test only read it or change it).</summary>
public static class StaffKit
{
    /// <summary>A conference open for registration, with a room and a ministerial session (closed) on its first day.</summary>
    public static async Task<(string Slug, Guid RoomId, Guid SessionId)> MinisterialAsync(StaffFixture staff)
    {
        var slug = await staff.ConferenceAsync(publish: true);
        await staff.PostAsync($"api/conferences/{slug}/registration/open", null);
        var room = await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Salle Europa", capacity = 80, interpretation = new[] { "en", "fr" } });
        var roomId = room.GetProperty("id").GetGuid();
        var session = await staff.PostAsync($"api/conferences/{slug}/sessions", new
        {
            kind = "Ministerial", title = "Ministerial session", roomId, start = "2027-03-10T10:00", end = "2027-03-10T12:00", speakers = Array.Empty<string>(), isPublic = false,
        });
        return (slug, roomId, session.GetProperty("id").GetGuid());
    }

    /// <summary>A state (by ISO code) whose head, of <paramref name="rank"/>, is accredited; an adviser comes along, not accredited.</summary>
    public static async Task<StateDelegation> AccreditedStateAsync(StaffFixture staff, string slug, string code, string rank)
    {
        using var anonymous = new HttpClient { BaseAddress = staff.Api.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/conferences/{slug}/delegations")
        {
            Content = JsonContent.Create(new
            {
                party = new { kind = "State", code },
                focalPoint = new { name = $"Focal point of {code}", email = $"focal.{code.ToLowerInvariant()}@example.org" },
                members = new object[]
                {
                    new { name = $"Head of {code}", function = "Minister of Justice", rank, email = $"head.{code.ToLowerInvariant()}@example.org", isHead = true, hasFullPowers = true },
                    new { name = $"Adviser of {code}", function = "Adviser", rank = "SeniorOfficial", email = $"adviser.{code.ToLowerInvariant()}@example.org", isHead = false, hasFullPowers = false },
                },
            }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await anonymous.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        var delegation = new StateDelegation(
            body.GetProperty("id").GetGuid(), body.GetProperty("accessToken").GetString()!, body.GetProperty("members")[0].GetProperty("id").GetGuid(), code);
        using var protocol = As(staff, Roles.Protocol);
        using var accredited = await protocol.PostAsJsonAsync($"api/delegations/{delegation.Id}/members/{delegation.HeadId}/accreditation", new { decision = "approve" });
        Assert.True(accredited.IsSuccessStatusCode, await accredited.Content.ReadAsStringAsync());
        return delegation;
    }

    /// <summary>The focal point seats its head in the session and asks for the floor.</summary>
    public static async Task AskForTheFloorAsync(StaffFixture staff, StateDelegation d, Guid sessionId)
    {
        using var focalPoint = new HttpClient { BaseAddress = staff.Api.Address };
        focalPoint.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", d.Token);
        using var response = await focalPoint.PostAsJsonAsync($"api/delegations/{d.Id}/seats", new { sessionId, memberIds = new[] { d.HeadId }, requestsFloor = true });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The tour de table as the API orders it: the parties' codes.</summary>
    public static async Task<List<string>> SpeakingOrderAsync(StaffFixture staff, string slug, Guid sessionId) =>
        (await staff.GetAsync($"api/conferences/{slug}/sessions/{sessionId}/speaking-order")).EnumerateArray()
            .Select(t => t.GetProperty("party").GetProperty("code").GetString()!).ToList();

    /// <summary>Fixes the tour de table through the API, as another organiser would, against the session's current ETag.</summary>
    public static async Task FixThroughApiAsync(StaffFixture staff, string slug, Guid sessionId, params Guid[] order)
    {
        using var session = await staff.ApiOrganiser.GetAsync($"api/conferences/{slug}/sessions/{sessionId}");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/conferences/{slug}/sessions/{sessionId}/speaking-order") { Content = JsonContent.Create(new { delegationIds = order }) };
        request.Headers.IfMatch.Add(session.Headers.ETag!);
        using var response = await staff.ApiOrganiser.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static HttpClient As(StaffFixture staff, string role)
    {
        var client = new HttpClient { BaseAddress = staff.Api.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            StaffTokenHandler.Issue(staff.Api.SigningKey, "test-" + role, role, DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        return client;
    }
}
