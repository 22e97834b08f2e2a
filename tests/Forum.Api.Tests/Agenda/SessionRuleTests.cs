using System.Net;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Agenda;

[Collection(ApiCollection.Name)]
public sealed class SessionRuleTests(ApiFixture api)
{
    [Fact]
    public async Task A_session_gets_its_local_times_and_utc_instants()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var created = await kit.ScheduleAsync(kit.Session("Opening of the conference", "09:30", "10:15", speakers: ["Cecilia Malmström", "Eric Holder"]));
        var session = await created.OkJsonAsync(201);

        Assert.Equal("2012-12-05T09:30", session.GetProperty("start").GetString());
        Assert.Equal("2012-12-05T08:30:00Z", session.GetProperty("startUtc").GetString());
        Assert.Equal("2012-12-05T09:15:00Z", session.GetProperty("endUtc").GetString());
        Assert.Equal("Plenary Hall", session.GetProperty("roomName").GetString());
        Assert.Equal(1, session.GetProperty("number").GetInt32());
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal($"/api/conferences/{kit.Slug}/sessions/{session.GetProperty("id").GetGuid()}", created.Headers.Location?.ToString());
    }

    [Fact]
    public async Task A_session_across_the_autumn_clock_change_has_its_real_instants()
    {
        // Europe/Brussels goes from +02:00 to +01:00 at 03:00 local on the last Sunday of October 2026 (25 October).
        var kit = await AgendaKit.CreateAsync(api, "2026-10-24", "2026-10-26");
        var session = await kit.ScheduledAsync(kit.Session("Night watch", "01:30", "03:30", day: "2026-10-25"));
        Assert.Equal("2026-10-24T23:30:00Z", session.GetProperty("startUtc").GetString());
        Assert.Equal("2026-10-25T02:30:00Z", session.GetProperty("endUtc").GetString());

        var ambiguous = await kit.ScheduledAsync(kit.Session("Ambiguous hour", "02:30", "02:45", room: "Room 2", day: "2026-10-25"));
        Assert.Equal("2026-10-25T00:30:00Z", ambiguous.GetProperty("startUtc").GetString());
    }

    [Fact]
    public async Task A_local_time_the_clocks_skip_is_refused()
    {
        // Clocks in Brussels jump from 02:00 to 03:00 on 29 March 2026: 02:30 does not exist.
        var kit = await AgendaKit.CreateAsync(api, "2026-03-28", "2026-03-29");
        var problem = await (await kit.ScheduleAsync(kit.Session("Impossible", "02:30", "04:00", day: "2026-03-29"))).ProblemAsync(422, "nonexistent_local_time");
        Assert.Contains("Europe/Brussels", problem.GetProperty("detail").GetString());
        await kit.ScheduledAsync(kit.Session("Possible", "03:00", "04:00", day: "2026-03-29"));
    }

    [Fact]
    public async Task A_session_outside_the_conference_days_is_refused()
    {
        var kit = await AgendaKit.CreateAsync(api);
        await (await kit.ScheduleAsync(kit.Session("Too early", "09:00", "10:00", day: "2012-12-04"))).ProblemAsync(422, "outside_conference");
        await (await kit.ScheduleAsync(kit.Session("Too late", "2012-12-05T23:00", "2012-12-06T01:00", day: null))).ProblemAsync(422, "outside_conference");
        await (await kit.ScheduleAsync(kit.Session("Until midnight", "2012-12-05T23:00", "2012-12-06T00:00", day: null))).OkJsonAsync(201);
    }

    [Fact]
    public async Task Moving_a_session_into_an_occupied_room_is_refused_and_names_the_conflicting_session()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var ministerial = await kit.ScheduledAsync(kit.Session("Ministerial session", "10:30", "12:30", kind: "Ministerial", isPublic: false));
        var workshop = await kit.ScheduledAsync(kit.Session("Workshop", "10:00", "11:00", room: "Room 2", kind: "Workshop"));

        var problem = await (await kit.ChangeAsync(workshop.GetProperty("id").GetGuid(), kit.Session("Workshop", "10:00", "11:00", room: "Plenary Hall", kind: "Workshop"))).ProblemAsync(409, "room_double_booked");
        Assert.Equal(ministerial.GetProperty("id").GetGuid(), problem.GetProperty("conflictingSession").GetProperty("id").GetGuid());
        Assert.Equal("Ministerial session", problem.GetProperty("conflictingSession").GetProperty("title").GetString());

        var unchanged = await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{workshop.GetProperty("id").GetGuid()}"))).OkJsonAsync();
        Assert.Equal("Room 2", unchanged.GetProperty("roomName").GetString());
    }

    [Fact]
    public async Task Back_to_back_sessions_share_a_room_and_a_cancelled_one_frees_it()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var ministerial = await kit.ScheduledAsync(kit.Session("Ministerial session", "10:30", "12:30", kind: "Ministerial", isPublic: false));
        await kit.ScheduledAsync(kit.Session("Lunch", "12:30", "13:30", kind: "Break"));
        await (await kit.ScheduleAsync(kit.Session("Clash", "12:00", "12:45"))).ProblemAsync(409, "room_double_booked");

        await (await kit.Organiser.PostJsonAsync(kit.Url($"/sessions/{ministerial.GetProperty("id").GetGuid()}/cancel"), new { reason = "Moved to the evening" })).OkJsonAsync();
        await kit.ScheduledAsync(kit.Session("In its place", "10:30", "12:00"));
    }

    [Fact]
    public async Task A_person_cannot_speak_in_two_overlapping_sessions()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var opening = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15", speakers: ["Cecilia Malmström"]));
        var problem = await (await kit.ScheduleAsync(kit.Session("Press", "10:00", "10:30", room: "Press Room", kind: "PressConference", chair: "cecilia  malmström"))).ProblemAsync(409, "person_double_booked");
        Assert.Equal("Cecilia Malmström", problem.GetProperty("person").GetString());
        Assert.Equal(opening.GetProperty("id").GetGuid(), problem.GetProperty("conflictingSession").GetProperty("id").GetGuid());
        await kit.ScheduledAsync(kit.Session("Press", "10:15", "10:45", room: "Press Room", kind: "PressConference", chair: "Cecilia Malmström"));
    }

    [Fact]
    public async Task Expected_attendance_must_fit_the_room()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var problem = await (await kit.ScheduleAsync(kit.Session("Crowded", "09:00", "10:00", room: "Press Room", expectedAttendance: 61))).ProblemAsync(422, "room_too_small");
        Assert.Equal(60, problem.GetProperty("roomCapacity").GetInt32());
        await kit.ScheduledAsync(kit.Session("Fits", "09:00", "10:00", room: "Press Room", expectedAttendance: 60));
    }

    [Fact]
    public async Task Malformed_sessions_are_refused_field_by_field()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var problem = await (await kit.ScheduleAsync(new { kind = "Banquet", title = "", roomId = kit.Rooms["Room 2"], start = "2012-12-05T11:00", end = "2012-12-05T10:00", isPublic = true, speakers = Array.Empty<string>() })).ProblemAsync(400, "validation_failed");
        Assert.Equal(new HashSet<string> { "kind", "title", "end" }, problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet());
        await (await kit.ScheduleAsync(kit.Session("Open ministerial", "09:00", "10:00", kind: "Ministerial", isPublic: true))).ProblemAsync(400, "validation_failed");
        await (await kit.ScheduleAsync(new { kind = "Panel", title = "Nowhere", roomId = Guid.NewGuid(), start = "2012-12-05T09:00", end = "2012-12-05T10:00", isPublic = true })).ProblemAsync(422, "unknown_room");
        await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name = "room 2", capacity = 10 })).ProblemAsync(409, "room_exists");
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("conclude")]
    public async Task A_cancelled_or_concluded_conference_takes_no_more_agenda_changes(string ending)
    {
        var kit = await AgendaKit.CreateAsync(api);
        var session = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        await (await kit.Organiser.PostJsonAsync(kit.Url($"/{ending}"), new { reason = "Over" })).OkJsonAsync();

        await (await kit.ScheduleAsync(kit.Session("Late addition", "11:00", "12:00"))).ProblemAsync(409, "conference_closed");
        await (await kit.ChangeAsync(session.GetProperty("id").GetGuid(), kit.Session("Opening", "09:00", "10:15"))).ProblemAsync(409, "conference_closed");
        await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name = "Annex", capacity = 10 })).ProblemAsync(409, "conference_closed");
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).ProblemAsync(409, "conference_closed");
    }

    [Fact]
    public async Task Two_organisers_changing_one_session_the_second_with_a_stale_etag_get_412_and_nothing_changes()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var created = await kit.ScheduleAsync(kit.Session("Opening", "09:30", "10:15"));
        var id = (await created.OkJsonAsync(201)).GetProperty("id").GetGuid();
        var etag = created.Headers.ETag!.Tag;

        var first = await kit.ChangeAsync(id, kit.Session("Opening", "09:00", "09:45"), etag);
        await first.OkJsonAsync();
        Assert.NotEqual(etag, first.Headers.ETag?.Tag);
        var second = await kit.ChangeAsync(id, kit.Session("Opening ceremony", "09:30", "10:15"), etag);
        await second.ProblemAsync(412, "precondition_failed");

        var now = await (await kit.Organiser.GetAsync(kit.Url($"/sessions/{id}"))).OkJsonAsync();
        Assert.Equal("Opening", now.GetProperty("title").GetString());
        Assert.Equal("2012-12-05T09:00", now.GetProperty("start").GetString());
    }

    [Fact]
    public async Task Organisers_changing_different_sessions_at_once_all_succeed()
    {
        var kit = await AgendaKit.CreateAsync(api, "2012-12-05", "2012-12-06");
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await kit.ScheduledAsync(kit.Session($"S{i}", $"{9 + i:00}:00", $"{9 + i:00}:30"))).GetProperty("id").GetGuid());
        }

        var responses = await Task.WhenAll(ids.Select((id, i) => kit.ChangeAsync(id, kit.Session($"S{i}", $"{9 + i:00}:00", $"{9 + i:00}:30", day: "2012-12-06"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var draft = await (await kit.Organiser.GetAsync(kit.Url("/agenda?draft=true"))).OkJsonAsync();
        Assert.All(AgendaKit.Sessions(draft), s => Assert.StartsWith("2012-12-06", s.GetProperty("start").GetString()));
    }
}
