using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Agenda;

[Collection(ApiCollection.Name)]
public sealed class PublishedAgendaTests(ApiFixture api)
{
    private readonly HttpClient anonymous = api.Anonymous();

    [Fact]
    public async Task The_public_sees_the_published_agenda_by_day_and_room_with_closed_sessions_listed_as_closed()
    {
        var kit = await AgendaKit.CreateAsync(api);
        await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        await kit.ScheduledAsync(kit.Session("Ministerial session", "10:30", "12:30", kind: "Ministerial", isPublic: false));
        await kit.ScheduledAsync(kit.Session("Workshop", "13:30", "15:00", room: "Room 2", kind: "Workshop"));
        await kit.ScheduledAsync(kit.Session("Bilateral meeting", "16:00", "16:30", room: "Press Room", kind: "SideEvent", isPublic: false, listed: false));
        await (await anonymous.GetAsync(kit.Url("/agenda"))).ProblemAsync(404, "not_found");
        Assert.Equal(1, await kit.PublishAsync());

        var agenda = await (await anonymous.GetAsync(kit.Url("/agenda"))).OkJsonAsync();
        Assert.Equal(1, agenda.GetProperty("version").GetInt32());
        var day = Assert.Single(agenda.GetProperty("days").EnumerateArray());
        Assert.Equal("2012-12-05", day.GetProperty("date").GetString());
        var rooms = day.GetProperty("rooms").EnumerateArray().ToDictionary(r => r.GetProperty("roomName").GetString()!, r => r.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("title").GetString()).ToList());
        Assert.Equal(["Opening", "Ministerial session"], rooms["Plenary Hall"]);
        Assert.Equal(["Workshop"], rooms["Room 2"]);
        Assert.Empty(rooms["Press Room"]);

        // The closed session is there, marked closed, without what it is about.
        var ministerial = AgendaKit.Sessions(agenda).Single(s => s.GetProperty("title").GetString() == "Ministerial session");
        Assert.False(ministerial.GetProperty("isPublic").GetBoolean());
        Assert.Equal("Ministerial", ministerial.GetProperty("kind").GetString());
        Assert.Equal("2012-12-05T10:30", ministerial.GetProperty("start").GetString());
        Assert.False(ministerial.TryGetProperty("description", out _));
        Assert.Equal(0, ministerial.GetProperty("speakingOrder").GetArrayLength());
        Assert.DoesNotContain("Bilateral", agenda.GetRawText(), StringComparison.Ordinal);

        var full = await (await kit.Organiser.GetAsync(kit.Url("/agenda"))).OkJsonAsync();
        Assert.Equal(["Opening", "Ministerial session", "Workshop", "Bilateral meeting"], AgendaKit.Sessions(full).Select(s => s.GetProperty("title").GetString()));
        Assert.Equal("About Ministerial session", AgendaKit.Sessions(full).Single(s => s.GetProperty("title").GetString() == "Ministerial session").GetProperty("description").GetString());
        await (await anonymous.GetAsync(kit.Url("/agenda?draft=true"))).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Only_a_closed_session_can_be_left_out_of_public_renderings_and_a_change_does_so_in_the_next_version()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var problem = await (await kit.ScheduleAsync(kit.Session("Opening", "09:30", "10:15", listed: false))).ProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("listed", out _));

        var closed = await kit.ScheduledAsync(kit.Session("Bilateral meeting", "10:30", "11:00", kind: "SideEvent", isPublic: false));
        Assert.Equal(1, await kit.PublishAsync());
        await (await kit.ChangeAsync(closed.GetProperty("id").GetGuid(), kit.Session("Bilateral meeting", "10:30", "11:00", kind: "SideEvent", isPublic: false, listed: false))).OkJsonAsync();
        Assert.Equal(2, await kit.PublishAsync());

        Assert.Single(AgendaKit.Sessions(await (await anonymous.GetAsync(kit.Url("/agenda?version=1"))).OkJsonAsync()));
        Assert.Empty(AgendaKit.Sessions(await (await anonymous.GetAsync(kit.Url("/agenda"))).OkJsonAsync()));
    }

    [Fact]
    public async Task The_agenda_of_an_unpublished_conference_is_not_found_for_the_public()
    {
        var kit = await AgendaKit.CreateAsync(api, publish: false);
        await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        await kit.PublishAsync();
        await (await anonymous.GetAsync(kit.Url("/agenda"))).ProblemAsync(404, "not_found");
        await (await anonymous.GetAsync(kit.Url("/schedule.xml"))).ProblemAsync(404, "not_found");
        await (await kit.Organiser.GetAsync(kit.Url("/agenda"))).OkJsonAsync();
    }

    [Fact]
    public async Task Each_publication_raises_the_version_and_old_versions_stay_as_they_were()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var opening = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        var workshop = await kit.ScheduledAsync(kit.Session("Workshop A", "13:30", "15:00", room: "Room 2", kind: "Workshop"));
        var press = await kit.ScheduledAsync(kit.Session("Press conference", "17:15", "17:45", room: "Press Room", kind: "PressConference"));
        await kit.ScheduledAsync(kit.Session("Closed talks", "16:00", "17:00", room: "Room 2", kind: "Ministerial", isPublic: false));
        Assert.Equal(1, await kit.PublishAsync());
        await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).ProblemAsync(409, "agenda_unchanged");

        await (await kit.ChangeAsync(opening.GetProperty("id").GetGuid(), kit.Session("Opening", "09:00", "09:45"))).OkJsonAsync();
        await (await kit.ChangeAsync(workshop.GetProperty("id").GetGuid(), kit.Session("Workshop: identifying victims", "13:30", "15:00", room: "Plenary Hall", kind: "Workshop"))).OkJsonAsync();
        await (await kit.Organiser.PostJsonAsync(kit.Url($"/sessions/{press.GetProperty("id").GetGuid()}/cancel"), new { reason = "Speakers unavailable" })).OkJsonAsync();
        await kit.ScheduledAsync(kit.Session("Signing ceremony", "16:30", "17:00", kind: "SigningCeremony"));
        Assert.Equal(2, await kit.PublishAsync());

        var v1 = await (await anonymous.GetAsync(kit.Url("/agenda?version=1"))).OkJsonAsync();
        var openingV1 = AgendaKit.Sessions(v1).Single(s => s.GetProperty("title").GetString() == "Opening");
        Assert.Equal("2012-12-05T09:30", openingV1.GetProperty("start").GetString());
        var latest = await (await anonymous.GetAsync(kit.Url("/agenda"))).OkJsonAsync();
        Assert.Equal(2, latest.GetProperty("version").GetInt32());
        Assert.Equal("Cancelled", AgendaKit.Sessions(latest).Single(s => s.GetProperty("title").GetString() == "Press conference").GetProperty("status").GetString());

        var changes = (await (await anonymous.GetAsync(kit.Url("/agenda/changes?from=1&to=2"))).OkJsonAsync()).GetProperty("sessions").EnumerateArray()
            .ToDictionary(c => c.GetProperty("title").GetString()!, c => c.GetProperty("changes").EnumerateArray().Select(x => x.GetString()).ToList());
        Assert.Equal(["moved"], changes["Opening"]);
        Assert.Equal(["re-roomed", "renamed"], changes["Workshop: identifying victims"]);
        Assert.Equal(["cancelled"], changes["Press conference"]);
        Assert.Equal(["added"], changes["Signing ceremony"]);
        Assert.Equal(4, changes.Count);

        await (await anonymous.GetAsync(kit.Url("/agenda?version=3"))).ProblemAsync(404, "not_found");
        await (await anonymous.GetAsync(kit.Url("/agenda/changes?from=2&to=1"))).ProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task The_agenda_can_be_read_as_it_stood_at_an_instant()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var opening = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        await kit.PublishAsync();
        await Task.Delay(20);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        await (await kit.ChangeAsync(opening.GetProperty("id").GetGuid(), kit.Session("Opening", "11:00", "11:45"))).OkJsonAsync();
        await kit.PublishAsync();

        var asOf = Uri.EscapeDataString(between.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        var then = await (await anonymous.GetAsync(kit.Url($"/agenda?asOf={asOf}"))).OkJsonAsync();
        Assert.Equal(1, then.GetProperty("version").GetInt32());
        Assert.Equal("2012-12-05T09:30", AgendaKit.Sessions(then).Single().GetProperty("start").GetString());
        var draftThen = await (await kit.Organiser.GetAsync(kit.Url($"/agenda?draft=true&asOf={asOf}"))).OkJsonAsync();
        Assert.Equal("2012-12-05T09:30", AgendaKit.Sessions(draftThen).Single().GetProperty("start").GetString());
        var now = await (await anonymous.GetAsync(kit.Url("/agenda"))).OkJsonAsync();
        Assert.Equal("2012-12-05T11:00", AgendaKit.Sessions(now).Single().GetProperty("start").GetString());
        await (await anonymous.GetAsync(kit.Url("/agenda?asOf=2000-01-01T00:00:00Z"))).ProblemAsync(404, "not_found");
        await (await anonymous.GetAsync(kit.Url("/agenda?asOf=yesterday"))).ProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task A_published_agenda_answers_conditional_requests()
    {
        var kit = await AgendaKit.CreateAsync(api);
        await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        await kit.PublishAsync();
        var first = await anonymous.GetAsync(kit.Url("/agenda"));
        await first.OkJsonAsync();
        var again = new HttpRequestMessage(HttpMethod.Get, kit.Url("/agenda"));
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await anonymous.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task The_frab_schedule_validates_against_the_schema_and_lists_closed_sessions_as_closed()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var opening = await kit.ScheduledAsync(kit.Session("Opening & welcome", "09:30", "10:15", speakers: ["Cecilia Malmström", "Eric Holder"]));
        await kit.ScheduledAsync(kit.Session("Ministerial session", "10:30", "12:30", kind: "Ministerial", isPublic: false, chair: "Cecilia Malmström"));
        await kit.ScheduledAsync(kit.Session("Workshop", "13:30", "15:00", room: "Room 2", kind: "Workshop"));
        await kit.PublishAsync();

        var response = await anonymous.GetAsync(kit.Url("/schedule.xml"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var xml = await response.Content.ReadAsStringAsync();
        await AssertValidFrabAsync(xml);
        var events = XDocument.Parse(xml).Descendants("event").ToList();
        Assert.Equal(["Ministerial session", "Opening & welcome", "Workshop"], events.Select(e => e.Element("title")!.Value).Order());
        var closed = events.Single(e => e.Element("title")!.Value == "Ministerial session");
        Assert.Equal("Closed session (by invitation only).", closed.Element("abstract")!.Value);
        Assert.Equal("", closed.Element("description")!.Value);
        var openingEvent = events.Single(e => e.Element("title")!.Value == "Opening & welcome");
        Assert.Equal(opening.GetProperty("id").GetGuid().ToString(), openingEvent.Attribute("guid")!.Value);
        Assert.Equal("2012-12-05T09:30:00+01:00", openingEvent.Element("date")!.Value);
        Assert.Equal(["Cecilia Malmström", "Eric Holder"], openingEvent.Element("persons")!.Elements("person").Select(p => p.Value));

        var json = await (await anonymous.GetAsync(kit.Url("/schedule.json"))).OkJsonAsync();
        var conference = json.GetProperty("schedule").GetProperty("conference");
        Assert.Equal("Europe/Brussels", conference.GetProperty("time_zone_name").GetString());
        var jsonEvents = conference.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateObject().SelectMany(r => r.Value.EnumerateArray())).ToList();
        Assert.Equal(events.Select(e => e.Attribute("guid")!.Value).Order(), jsonEvents.Select(e => e.GetProperty("guid").GetString()).Order());
    }

    [Fact]
    public async Task The_history_includes_session_events_with_actor_and_time()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var opening = await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"));
        await (await kit.Organiser.PostJsonAsync(kit.Url($"/sessions/{opening.GetProperty("id").GetGuid()}/cancel"), new { reason = "Storm" })).OkJsonAsync();
        var history = (await (await kit.Organiser.GetAsync(kit.Url("/history"))).OkJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["conference-scheduled", "conference-published", "room-added", "room-added", "room-added", "session-scheduled", "session-cancelled"], history.Select(h => h.GetProperty("type").GetString()));
        Assert.Equal("Storm", history[^1].GetProperty("reason").GetString());
        Assert.All(history, h => Assert.Equal("organiser:test-organiser", h.GetProperty("actor").GetString()));
    }

    [Theory]
    [InlineData("POST", "/rooms")]
    [InlineData("POST", "/sessions")]
    [InlineData("PUT", "/sessions/{id}")]
    [InlineData("GET", "/sessions/{id}")]
    [InlineData("POST", "/sessions/{id}/cancel")]
    [InlineData("POST", "/agenda/publish")]
    public async Task Agenda_writes_are_for_organisers_only(string method, string path)
    {
        var kit = await AgendaKit.CreateAsync(api);
        var id = (await kit.ScheduledAsync(kit.Session("Opening", "09:30", "10:15"))).GetProperty("id").GetGuid();
        HttpRequestMessage Request(string? token)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), kit.Url(path.Replace("{id}", id.ToString(), StringComparison.Ordinal)));
            if (method != "GET")
            {
                request.Content = System.Net.Http.Json.JsonContent.Create(kit.Session("Hijacked", "09:30", "10:15"));
            }

            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            return request;
        }

        await (await anonymous.SendAsync(Request(null))).ProblemAsync(401, "unauthenticated");
        await (await anonymous.SendAsync(Request(api.Token(Roles.Protocol)))).ProblemAsync(403, "forbidden");
        var draft = await (await kit.Organiser.GetAsync(kit.Url("/agenda?draft=true"))).OkJsonAsync();
        Assert.Equal(["Opening"], AgendaKit.Sessions(draft).Select(s => s.GetProperty("title").GetString()));
    }

    private static async Task AssertValidFrabAsync(string xml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"schedule-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(file, xml);
        try
        {
            var schema = Path.Combine(RepositoryRoot(), "schemas", "frab-schedule.xsd");
            using var xmllint = Process.Start(new ProcessStartInfo("xmllint", ["--noout", "--schema", schema, file]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var errors = await xmllint.StandardError.ReadToEndAsync();
            await xmllint.WaitForExitAsync();
            Assert.True(xmllint.ExitCode == 0, $"xmllint refused the schedule: {errors}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forum.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Forum.sln not found above the test binaries.");
    }
}
