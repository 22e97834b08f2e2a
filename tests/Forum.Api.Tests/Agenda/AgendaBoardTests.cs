using System.Net;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Agenda;

[Collection(ApiCollection.Name)]
public sealed class AgendaBoardTests(ApiFixture api)
{
    private static Dictionary<string, JsonElement> ByTitle(JsonElement board) =>
        board.GetProperty("sessions").EnumerateArray().ToDictionary(s => s.GetProperty("session").GetProperty("title").GetString()!);

    [Fact]
    public async Task The_board_shows_one_day_with_each_session_marked_against_the_published_version_and_its_last_author()
    {
        var kit = await AgendaKit.CreateAsync(api, lastDay: "2012-12-06");
        var opening = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        var workshop = await kit.ScheduledAsync(kit.Session("Workshop", "11:00", "12:00", room: "Room 2", kind: "Workshop"));
        var keep = await kit.ScheduledAsync(kit.Session("Press briefing", "13:00", "13:30", room: "Press Room", kind: "PressConference"));
        await kit.ScheduledAsync(kit.Session("Closing", "09:30", "10:00", day: "2012-12-06"));

        var before = await (await kit.Organiser.GetAsync(kit.Url("/agenda/board"))).OkJsonAsync();
        Assert.Equal("2012-12-05", before.GetProperty("day").GetString());
        Assert.False(before.TryGetProperty("publishedVersion", out _));
        Assert.All(ByTitle(before).Values, s => Assert.Equal("added", s.GetProperty("change").GetString()));

        Assert.Equal(1, await kit.PublishAsync());
        await (await kit.ChangeAsync(opening.GetProperty("id").GetGuid(), kit.Session("Opening", "09:45", "10:30"), ETags.Format(opening.GetProperty("revision").GetInt64()))).OkJsonAsync();
        await (await kit.ChangeAsync(workshop.GetProperty("id").GetGuid(), kit.Session("Workshop on hotlines", "11:00", "12:00", room: "Room 2", kind: "Workshop"))).OkJsonAsync();
        await kit.ScheduledAsync(kit.Session("Side event", "16:00", "17:00", room: "Room 2", kind: "SideEvent"));

        var board = await (await kit.Organiser.GetAsync(kit.Url("/agenda/board?day=2012-12-05"))).OkJsonAsync();
        Assert.Equal(1, board.GetProperty("publishedVersion").GetInt32());
        Assert.Equal(3, board.GetProperty("rooms").GetArrayLength());
        Assert.Equal("2012-12-06", board.GetProperty("lastDay").GetString());
        var sessions = ByTitle(board);
        Assert.Equal(["Opening", "Workshop on hotlines", "Press briefing", "Side event"], sessions.Keys);
        Assert.Equal("moved", sessions["Opening"].GetProperty("change").GetString());
        Assert.Equal(2, sessions["Opening"].GetProperty("session").GetProperty("revision").GetInt64());
        Assert.Equal("renamed", sessions["Workshop on hotlines"].GetProperty("change").GetString());
        Assert.Equal("added", sessions["Side event"].GetProperty("change").GetString());
        Assert.False(sessions["Press briefing"].TryGetProperty("change", out _));
        Assert.All(sessions.Values, s => Assert.Equal("organiser:test-organiser", s.GetProperty("changedBy").GetString()));
        Assert.True(sessions["Opening"].GetProperty("changedAt").GetDateTimeOffset() >= sessions["Press briefing"].GetProperty("changedAt").GetDateTimeOffset());
        Assert.Equal(keep.GetProperty("id").GetGuid(), sessions["Press briefing"].GetProperty("session").GetProperty("id").GetGuid());

        var second = await (await kit.Organiser.GetAsync(kit.Url("/agenda/board?day=2012-12-06"))).OkJsonAsync();
        Assert.Equal(["Closing"], ByTitle(second).Keys);
    }

    [Fact]
    public async Task An_unchanged_board_answers_304_and_any_change_to_the_agenda_gives_it_a_new_version()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var session = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        using var first = await kit.Organiser.GetAsync(kit.Url("/agenda/board"));
        var etag = first.Headers.ETag!.Tag;

        using var again = new HttpRequestMessage(HttpMethod.Get, kit.Url("/agenda/board"));
        again.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var unchanged = await kit.Organiser.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);

        await (await kit.ChangeAsync(session.GetProperty("id").GetGuid(), kit.Session("Opening", "09:00", "09:45"))).OkJsonAsync();
        using var after = new HttpRequestMessage(HttpMethod.Get, kit.Url("/agenda/board"));
        after.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var changed = await kit.Organiser.SendAsync(after);
        var board = await changed.OkJsonAsync();
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
        Assert.Equal("2012-12-05T09:00", ByTitle(board)["Opening"].GetProperty("session").GetProperty("start").GetString());
    }

    [Fact]
    public async Task A_day_outside_the_conference_or_not_a_day_is_refused_and_only_organisers_see_the_board()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var outside = await (await kit.Organiser.GetAsync(kit.Url("/agenda/board?day=2012-12-09"))).ProblemAsync(400, "validation_failed");
        Assert.Contains("2012-12-05", outside.GetProperty("errors").GetProperty("day")[0].GetString(), StringComparison.Ordinal);
        await (await kit.Organiser.GetAsync(kit.Url("/agenda/board?day=5%20December"))).ProblemAsync(400, "validation_failed");
        await (await kit.Organiser.GetAsync($"/api/conferences/{ApiFixture.NewSlug()}/agenda/board")).ProblemAsync(404, "not_found");
        await (await api.As(Roles.Protocol).GetAsync(kit.Url("/agenda/board"))).ProblemAsync(403, "forbidden");
        await (await api.Anonymous().GetAsync(kit.Url("/agenda/board"))).ProblemAsync(401, "unauthenticated");
    }

    private static async Task<HttpResponseMessage> PostAsync(AgendaKit kit, string path, object? body, long? revision)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, kit.Url(path)) { Content = System.Net.Http.Json.JsonContent.Create(body ?? new { }) };
        if (revision is { } r)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ETags.Format(r));
        }

        return await kit.Organiser.SendAsync(request);
    }

    [Fact]
    public async Task A_cancellation_can_be_taken_back_while_the_room_is_free_and_the_next_version_says_the_session_is_held_again()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var id = (await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"))).GetProperty("id").GetGuid();
        var cancelled = await (await PostAsync(kit, $"/sessions/{id}/cancel", new { reason = "The hall is flooded." }, 1)).OkJsonAsync();
        Assert.Equal(1, await kit.PublishAsync());

        await (await PostAsync(kit, $"/sessions/{id}/reinstate", null, 1)).ProblemAsync(412, "precondition_failed");
        var held = await (await PostAsync(kit, $"/sessions/{id}/reinstate", null, cancelled.GetProperty("revision").GetInt64())).OkJsonAsync();
        Assert.Equal("Scheduled", held.GetProperty("status").GetString());
        Assert.False(held.TryGetProperty("cancellationReason", out _));
        await (await PostAsync(kit, $"/sessions/{id}/reinstate", null, null)).ProblemAsync(409, "session_not_cancelled");
        var board = await (await kit.Organiser.GetAsync(kit.Url("/agenda/board"))).OkJsonAsync();
        Assert.Equal("reinstated", ByTitle(board)["Opening"].GetProperty("change").GetString());
        Assert.Equal(2, await kit.PublishAsync());
        var changes = await (await kit.Organiser.GetAsync(kit.Url("/agenda/changes?from=1&to=2"))).OkJsonAsync();
        Assert.Equal(["reinstated"], Assert.Single(changes.GetProperty("sessions").EnumerateArray()).GetProperty("changes").EnumerateArray().Select(c => c.GetString()));

        // Cancelled again, and its slot taken meanwhile: taking the cancellation back is refused, and nothing changes.
        await (await PostAsync(kit, $"/sessions/{id}/cancel", new { reason = "The hall is flooded again." }, null)).OkJsonAsync();
        await kit.ScheduledAsync(kit.Session("Press briefing", "09:30", "10:00"));
        var refused = await (await PostAsync(kit, $"/sessions/{id}/reinstate", null, null)).ProblemAsync(409, "room_double_booked");
        Assert.Contains("Press briefing", refused.GetRawText(), StringComparison.Ordinal);
        var session = await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{id}"))).OkJsonAsync();
        Assert.Equal("Cancelled", session.GetProperty("status").GetString());
    }
}
