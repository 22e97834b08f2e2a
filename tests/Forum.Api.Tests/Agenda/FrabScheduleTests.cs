using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using NodaTime;

namespace Forum.Api.Tests.Agenda;

public sealed class FrabScheduleTests
{
    private static readonly DateTimeZone Brussels = DateTimeZoneProviders.Tzdb["Europe/Brussels"];
    private static readonly Guid Plenary = Guid.Parse("0b9d3f7e-46a8-4f0e-9a55-6b0f2d1c0a01");
    private static readonly Guid Spaak = Guid.Parse("0b9d3f7e-46a8-4f0e-9a55-6b0f2d1c0a02");
    private static readonly Guid Press = Guid.Parse("0b9d3f7e-46a8-4f0e-9a55-6b0f2d1c0a03");

    private static readonly ConferenceScheduled Conference = new(
        "energy-forum-2026",
        "Forum on Energy & Security <2026> in Brussels",
        null,
        new Venue("Palais d'Egmont", "Bruxelles", "BE"),
        "Europe/Brussels",
        new LocalDate(2026, 10, 25),
        new LocalDate(2026, 10, 26),
        ["en", "fr"],
        500,
        10);

    private static readonly SessionView NightOpening = Session(
        1, SessionKind.Plenary, "Opening night: energy & security <Europe>", Plenary, "Plenary hall",
        new LocalDateTime(2026, 10, 25, 1, 30), new LocalDateTime(2026, 10, 25, 3, 30),
        "Cecilia Malmström", ["Jean Dupont"], description: "Through the night, as the clocks go back.");

    private static readonly SessionView Trade = Session(
        2, SessionKind.Panel, "Malmström & Co: trade > tariffs", Spaak, "Salle Spaak",
        new LocalDateTime(2026, 10, 25, 10, 0), new LocalDateTime(2026, 10, 25, 11, 30),
        "Ana Pérez", ["Cecilia Malmström", "Bob O'Neil", "Ana Pérez"]);

    private static readonly SessionView Cancelled = Session(
        3, SessionKind.Workshop, "Withdrawn workshop on grids", Plenary, "Plenary hall",
        new LocalDateTime(2026, 10, 25, 14, 0), new LocalDateTime(2026, 10, 25, 15, 0),
        "Zoë Cancelled", [], status: SessionStatus.Cancelled);

    private static readonly SessionView Signing = Session(
        4, SessionKind.SigningCeremony, "Signing of the Brussels Declaration", Plenary, "Plenary hall",
        new LocalDateTime(2026, 10, 26, 9, 15), new LocalDateTime(2026, 10, 26, 9, 45),
        null, []);

    private static readonly SessionView Break = Session(
        5, SessionKind.Break, "Coffee — Café, Straße & Ærø", Spaak, "Salle Spaak",
        new LocalDateTime(2026, 10, 26, 9, 45), new LocalDateTime(2026, 10, 26, 10, 0),
        null, [], description: null);

    private static readonly SessionView TradeAgain = Session(
        6, SessionKind.Panel, "Malmström & Co: trade > tariffs", Spaak, "Salle Spaak",
        new LocalDateTime(2026, 10, 26, 10, 0), new LocalDateTime(2026, 10, 26, 11, 0),
        "Bob O'Neil", ["Æsa Øster"]);

    [Fact]
    public void The_schedule_validates_against_the_frab_schema()
    {
        var root = RepositoryRoot();
        var file = Path.Combine(Path.GetTempPath(), $"frab-{Guid.NewGuid():N}.xml");
        File.WriteAllText(file, FrabSchedule.ToXml(Conference, Agenda(), "https://forum.example.org/energy-forum-2026"));
        try
        {
            var (exitCode, output) = Xmllint("--noout", "--schema", Path.Combine(root, "schemas", "frab-schedule.xsd"), file);
            Assert.True(exitCode == 0, $"xmllint exited with {exitCode}:\n{output}");
            Assert.Contains("validates", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Each_event_links_to_the_session_s_page_when_given_a_template_in_both_formats_and_both_validate()
    {
        var options = new Forum.Api.Calendars.CalendarOptions { SessionUrl = "http://127.0.0.1:5081/conferences/{slug}/sessions/{number}" };
        string Url(SessionView s) => options.SessionUrlOf(Conference.Slug, s);
        var xml = FrabSchedule.ToXml(Conference, Agenda(), sessionUrl: Url);
        var file = Path.Combine(Path.GetTempPath(), $"frab-{Guid.NewGuid():N}.xml");
        File.WriteAllText(file, xml);
        try
        {
            var (exitCode, output) = Xmllint("--noout", "--schema", Path.Combine(RepositoryRoot(), "schemas", "frab-schedule.xsd"), file);
            Assert.True(exitCode == 0, $"xmllint exited with {exitCode}:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }

        var exported = FrabSchedule.ToJson(Conference, Agenda(), sessionUrl: Url);
        await FrabJsonSchema.AssertValidAsync(exported);
        using var json = JsonDocument.Parse(exported);
        var events = json.RootElement.GetProperty("schedule").GetProperty("conference").GetProperty("days").EnumerateArray()
            .SelectMany(d => d.GetProperty("rooms").EnumerateObject().SelectMany(r => r.Value.EnumerateArray())).ToList();
        Assert.Equal(5, events.Count);
        Assert.All(events, e => Assert.Equal(
            $"http://127.0.0.1:5081/conferences/{Conference.Slug}/sessions/{e.GetProperty("id").GetInt32()}", e.GetProperty("url").GetString()));
        // The c3voc JSON schema's event url is a "uri": absolute.
        Assert.All(events, e => Assert.True(Uri.TryCreate(e.GetProperty("url").GetString(), UriKind.Absolute, out _)));
        // c3voc's XSD has an event url too (an http or https address): the same one.
        Assert.Equal(
            events.Select(e => e.GetProperty("url").GetString()).Order(),
            XmlEvents(XDocument.Parse(xml).Root!).Select(e => e.Element("url")!.Value).Order());
    }

    [Fact]
    public async Task A_conference_with_a_short_slug_still_validates_in_both_formats()
    {
        var conference = Conference with { Slug = "g7" };
        var agenda = Agenda() with { ConferenceSlug = "g7" };
        var xml = FrabSchedule.ToXml(conference, agenda, "https://forum.example.org/g7");
        var file = Path.Combine(Path.GetTempPath(), $"frab-{Guid.NewGuid():N}.xml");
        File.WriteAllText(file, xml);
        try
        {
            var (exitCode, output) = Xmllint("--noout", "--schema", Path.Combine(RepositoryRoot(), "schemas", "frab-schedule.xsd"), file);
            Assert.True(exitCode == 0, $"xmllint exited with {exitCode}:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }

        var schedule = XDocument.Parse(xml).Root!;
        Assert.Equal("g7__", schedule.Element("conference")!.Element("acronym")!.Value);
        // "g7-1-opening-night..." is not a c3voc event slug (its first word is shorter than four): readers make their own.
        Assert.Empty(XmlEvents(schedule).Elements("slug"));
        await FrabJsonSchema.AssertValidAsync(FrabSchedule.ToJson(conference, agenda, "https://forum.example.org/g7"));
    }

    [Fact]
    public void A_draft_with_no_sessions_still_validates_against_the_frab_schema()
    {
        var root = RepositoryRoot();
        var file = Path.Combine(Path.GetTempPath(), $"frab-{Guid.NewGuid():N}.xml");
        var empty = Agenda() with { Version = null, Days = [] };
        File.WriteAllText(file, FrabSchedule.ToXml(Conference, empty));
        try
        {
            var (exitCode, output) = Xmllint("--noout", "--schema", Path.Combine(root, "schemas", "frab-schedule.xsd"), file);
            Assert.True(exitCode == 0, $"xmllint exited with {exitCode}:\n{output}");
            var schedule = XDocument.Parse(File.ReadAllText(file)).Root!;
            Assert.Equal("draft", schedule.Element("version")!.Value);
            Assert.Equal(2, schedule.Elements("day").Count());
            Assert.Empty(schedule.Descendants("event"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_conference_and_its_days_carry_the_zone_offsets_of_each_day()
    {
        var schedule = XDocument.Parse(FrabSchedule.ToXml(Conference, Agenda())).Root!;

        Assert.Equal("3", schedule.Element("version")!.Value);
        var conference = schedule.Element("conference")!;
        Assert.Equal("Forum on Energy & Security <2026> in Brussels", conference.Element("title")!.Value);
        // c3voc's JSON schema allows no hyphens in an acronym (but before a year and a word): the XML says the same.
        Assert.Equal("energy_forum_2026", conference.Element("acronym")!.Value);
        Assert.Equal("Europe/Brussels", conference.Element("time_zone_name")!.Value);
        Assert.Equal("2026-10-25", conference.Element("start")!.Value);
        Assert.Equal("2026-10-26", conference.Element("end")!.Value);
        Assert.Equal("2", conference.Element("days")!.Value);
        Assert.Equal("00:15", conference.Element("timeslot_duration")!.Value);

        var days = schedule.Elements("day").ToList();
        Assert.Equal(["1", "2"], days.Select(d => d.Attribute("index")!.Value));
        Assert.Equal(["2026-10-25", "2026-10-26"], days.Select(d => d.Attribute("date")!.Value));
        // 25 October 2026 is the last Sunday of October: it starts in summer time and lasts 25 hours.
        Assert.Equal("2026-10-25T00:00:00+02:00", days[0].Attribute("start")!.Value);
        Assert.Equal("2026-10-26T00:00:00+01:00", days[0].Attribute("end")!.Value);
        Assert.Equal("2026-10-26T00:00:00+01:00", days[1].Attribute("start")!.Value);
        Assert.Equal("2026-10-27T00:00:00+01:00", days[1].Attribute("end")!.Value);

        foreach (var day in days)
        {
            Assert.Equal(["Plenary hall", "Salle Spaak", "Press room"], day.Elements("room").Select(r => r.Attribute("name")!.Value));
        }
    }

    [Fact]
    public void A_session_across_the_change_to_winter_time_has_its_real_offset_and_length()
    {
        var schedule = XDocument.Parse(FrabSchedule.ToXml(Conference, Agenda())).Root!;
        var opening = Event(schedule, 1);

        Assert.Equal("2026-10-25T01:30:00+02:00", opening.Element("date")!.Value);
        Assert.Equal("01:30", opening.Element("start")!.Value);
        Assert.Equal("03:00", opening.Element("duration")!.Value);
        Assert.Equal("Plenary hall", opening.Element("room")!.Value);
        Assert.Equal("Plenary hall", opening.Parent!.Attribute("name")!.Value);
        Assert.Equal("2026-10-25", opening.Parent!.Parent!.Attribute("date")!.Value);

        var trade = Event(schedule, 2);
        Assert.Equal("2026-10-25T10:00:00+01:00", trade.Element("date")!.Value);
        Assert.Equal("01:30", trade.Element("duration")!.Value);
    }

    [Fact]
    public void Events_carry_the_session_fields_with_text_escaped_by_the_writer()
    {
        var xml = FrabSchedule.ToXml(Conference, Agenda());
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", xml, StringComparison.Ordinal);
        Assert.Contains("Opening night: energy &amp; security &lt;Europe&gt;", xml, StringComparison.Ordinal);
        Assert.Contains("Malmström", xml, StringComparison.Ordinal);

        var schedule = XDocument.Parse(xml).Root!;
        var opening = Event(schedule, 1);
        Assert.Equal(NightOpening.Id.ToString(), opening.Attribute("guid")!.Value);
        Assert.Equal("Opening night: energy & security <Europe>", opening.Element("title")!.Value);
        Assert.Equal("", opening.Element("subtitle")!.Value);
        Assert.Equal("Plenary", opening.Element("type")!.Value);
        Assert.Equal("Plenary", opening.Element("track")!.Value);
        Assert.Equal("en", opening.Element("language")!.Value);
        Assert.Equal("Through the night, as the clocks go back.", opening.Element("abstract")!.Value);
        Assert.Equal("Through the night, as the clocks go back.", opening.Element("description")!.Value);
        Assert.Equal("energy-forum-2026-1-opening-night-energy-security-europe", opening.Element("slug")!.Value);

        var signing = Event(schedule, 4);
        Assert.Equal("Signing ceremony", signing.Element("type")!.Value);
        Assert.Empty(signing.Element("persons")!.Elements("person"));

        var coffee = Event(schedule, 5);
        Assert.Equal("", coffee.Element("abstract")!.Value);
        Assert.Equal("00:15", coffee.Element("duration")!.Value);
        Assert.Equal("energy-forum-2026-5-coffee-cafe-strasse-aero", coffee.Element("slug")!.Value);

        Assert.Equal("Malmström & Co: trade > tariffs", Event(schedule, 2).Element("title")!.Value);
        Assert.Equal("energy-forum-2026-2-malmstrom-co-trade-tariffs", Event(schedule, 2).Element("slug")!.Value);
        Assert.Equal("energy-forum-2026-6-malmstrom-co-trade-tariffs", Event(schedule, 6).Element("slug")!.Value);
    }

    [Fact]
    public void A_cancelled_session_is_left_out_of_both_exports()
    {
        var xml = FrabSchedule.ToXml(Conference, Agenda());
        var json = FrabSchedule.ToJson(Conference, Agenda());

        Assert.DoesNotContain(Cancelled.Title, xml, StringComparison.Ordinal);
        Assert.DoesNotContain(Cancelled.Id.ToString(), xml, StringComparison.Ordinal);
        Assert.DoesNotContain("Zoë", xml, StringComparison.Ordinal);
        Assert.DoesNotContain(Cancelled.Title, json, StringComparison.Ordinal);
        Assert.DoesNotContain(Cancelled.Id.ToString(), json, StringComparison.Ordinal);
        Assert.Equal([1, 2, 4, 5, 6], XmlEvents(XDocument.Parse(xml).Root!).Select(e => (int)e.Attribute("id")!).Order());
    }

    [Fact]
    public void Event_ids_guids_and_slugs_are_unique_and_slugs_are_ascii()
    {
        var events = XmlEvents(XDocument.Parse(FrabSchedule.ToXml(Conference, Agenda())).Root!).ToList();

        Assert.Equal(5, events.Count);
        Assert.Equal(events.Count, events.Select(e => e.Attribute("id")!.Value).Distinct().Count());
        Assert.Equal(events.Count, events.Select(e => e.Attribute("guid")!.Value).Distinct().Count());
        var slugs = events.Select(e => e.Element("slug")!.Value).ToList();
        Assert.Equal(events.Count, slugs.Distinct().Count());
        Assert.All(slugs, s => Assert.Matches(new Regex("^energy-forum-2026-[0-9]+(-[a-z0-9]+)+$"), s));
    }

    [Fact]
    public void Persons_have_one_stable_id_per_name_in_order_of_first_appearance()
    {
        var schedule = XDocument.Parse(FrabSchedule.ToXml(Conference, Agenda())).Root!;
        static List<(int Id, string Name)> Persons(XElement e) =>
            e.Element("persons")!.Elements("person").Select(p => ((int)p.Attribute("id")!, p.Value)).ToList();

        // Chair first, then speakers; a chair who also speaks is listed once.
        Assert.Equal([(1, "Cecilia Malmström"), (2, "Jean Dupont")], Persons(Event(schedule, 1)));
        Assert.Equal([(3, "Ana Pérez"), (1, "Cecilia Malmström"), (4, "Bob O'Neil")], Persons(Event(schedule, 2)));
        Assert.Equal([(4, "Bob O'Neil"), (5, "Æsa Øster")], Persons(Event(schedule, 6)));

        var again = XDocument.Parse(FrabSchedule.ToXml(Conference, Agenda())).Root!;
        Assert.Equal(
            XmlEvents(schedule).SelectMany(Persons),
            XmlEvents(again).SelectMany(Persons));
    }

    [Fact]
    public void The_json_form_carries_the_zone_and_the_same_events_as_the_xml()
    {
        var baseUrl = "https://forum.example.org/energy-forum-2026/";
        var xml = XDocument.Parse(FrabSchedule.ToXml(Conference, Agenda(), baseUrl)).Root!;
        using var json = JsonDocument.Parse(FrabSchedule.ToJson(Conference, Agenda(), baseUrl));

        var schedule = json.RootElement.GetProperty("schedule");
        Assert.Equal("3", schedule.GetProperty("version").GetString());
        Assert.Equal(baseUrl, schedule.GetProperty("base_url").GetString());
        var conference = schedule.GetProperty("conference");
        Assert.Equal("energy_forum_2026", conference.GetProperty("acronym").GetString());
        Assert.Equal("Forum on Energy & Security <2026> in Brussels", conference.GetProperty("title").GetString());
        Assert.Equal("2026-10-25", conference.GetProperty("start").GetString());
        Assert.Equal("2026-10-26", conference.GetProperty("end").GetString());
        Assert.Equal(2, conference.GetProperty("daysCount").GetInt32());
        Assert.Equal("00:15", conference.GetProperty("timeslot_duration").GetString());
        Assert.Equal("Europe/Brussels", conference.GetProperty("time_zone_name").GetString());
        Assert.Equal(
            [("Plenary hall", Plenary.ToString()), ("Salle Spaak", Spaak.ToString()), ("Press room", Press.ToString())],
            conference.GetProperty("rooms").EnumerateArray().Select(r => (r.GetProperty("name").GetString(), r.GetProperty("guid").GetString())));

        var days = conference.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal([1, 2], days.Select(d => d.GetProperty("index").GetInt32()));
        Assert.Equal("2026-10-25T00:00:00+02:00", days[0].GetProperty("day_start").GetString());
        Assert.Equal("2026-10-26T00:00:00+01:00", days[0].GetProperty("day_end").GetString());

        var jsonEvents = days
            .SelectMany(d => d.GetProperty("rooms").EnumerateObject().SelectMany(r => r.Value.EnumerateArray().Select(e => (Room: r.Name, Event: e))))
            .Select(x => string.Join(
                "|",
                x.Event.GetProperty("id").GetInt32(),
                x.Event.GetProperty("guid").GetString(),
                x.Room,
                x.Event.GetProperty("room").GetString(),
                x.Event.GetProperty("date").GetString(),
                x.Event.GetProperty("start").GetString(),
                x.Event.GetProperty("duration").GetString(),
                x.Event.GetProperty("slug").GetString(),
                x.Event.GetProperty("title").GetString(),
                x.Event.GetProperty("type").GetString(),
                x.Event.GetProperty("track").GetString(),
                x.Event.GetProperty("language").GetString(),
                string.Join(",", x.Event.GetProperty("persons").EnumerateArray().Select(p => $"{p.GetProperty("id").GetInt32()}:{p.GetProperty("public_name").GetString()}"))))
            .ToList();
        var xmlEvents = XmlEvents(xml)
            .Select(e => string.Join(
                "|",
                e.Attribute("id")!.Value,
                e.Attribute("guid")!.Value,
                e.Parent!.Attribute("name")!.Value,
                e.Element("room")!.Value,
                e.Element("date")!.Value,
                e.Element("start")!.Value,
                e.Element("duration")!.Value,
                e.Element("slug")!.Value,
                e.Element("title")!.Value,
                e.Element("type")!.Value,
                e.Element("track")!.Value,
                e.Element("language")!.Value,
                string.Join(",", e.Element("persons")!.Elements("person").Select(p => $"{p.Attribute("id")!.Value}:{p.Value}"))))
            .ToList();
        Assert.Equal(5, jsonEvents.Count);
        Assert.Equal(xmlEvents, jsonEvents);

        var opening = days[0].GetProperty("rooms").GetProperty("Plenary hall")[0];
        Assert.Equal("2026-10-25T01:30:00+02:00", opening.GetProperty("date").GetString());
        Assert.Equal("03:00", opening.GetProperty("duration").GetString());
        Assert.Equal($"https://forum.example.org/energy-forum-2026/sessions/{NightOpening.Id}", opening.GetProperty("url").GetString());
        Assert.Equal("", opening.GetProperty("subtitle").GetString());
        Assert.Equal(JsonValueKind.Array, opening.GetProperty("links").ValueKind);
        Assert.Equal(JsonValueKind.Array, opening.GetProperty("attachments").ValueKind);
        Assert.Equal(0, days[1].GetProperty("rooms").GetProperty("Press room").GetArrayLength());
    }

    [Fact]
    public void Without_a_base_url_the_json_has_no_base_url_and_a_draft_is_called_draft()
    {
        using var json = JsonDocument.Parse(FrabSchedule.ToJson(Conference, Agenda() with { Version = null }));
        var schedule = json.RootElement.GetProperty("schedule");

        Assert.Equal("draft", schedule.GetProperty("version").GetString());
        Assert.False(schedule.TryGetProperty("base_url", out _));
    }

    private static XElement Event(XElement schedule, int id) =>
        XmlEvents(schedule).Single(e => (int)e.Attribute("id")! == id);

    private static IEnumerable<XElement> XmlEvents(XElement schedule) =>
        schedule.Elements("day").Elements("room").Elements("event");

    private static AgendaView Agenda()
    {
        var rooms = new List<RoomView>
        {
            new(Plenary, "Plenary hall", 400, ["en", "fr"]),
            new(Spaak, "Salle Spaak", 120, ["fr"]),
            new(Press, "Press room", 40, []),
        };
        // Days and rooms as the agenda lists them; the order of sessions in a room is not the export's concern.
        var first = new AgendaDay(new LocalDate(2026, 10, 25),
        [
            new AgendaRoom(Plenary, "Plenary hall", [Cancelled, NightOpening]),
            new AgendaRoom(Spaak, "Salle Spaak", [Trade]),
        ]);
        var second = new AgendaDay(new LocalDate(2026, 10, 26),
        [
            new AgendaRoom(Plenary, "Plenary hall", [Signing]),
            new AgendaRoom(Spaak, "Salle Spaak", [TradeAgain, Break]),
        ]);
        return new AgendaView(
            Conference.Slug,
            Conference.Title,
            Conference.TimeZone,
            Conference.FirstDay,
            Conference.LastDay,
            3,
            Instant.FromUtc(2026, 9, 1, 12, 0),
            rooms,
            [first, second]);
    }

    private static SessionView Session(
        int number,
        SessionKind kind,
        string title,
        Guid roomId,
        string roomName,
        LocalDateTime start,
        LocalDateTime end,
        string? chair,
        IReadOnlyList<string> speakers,
        string? description = "",
        SessionStatus status = SessionStatus.Scheduled) =>
        new(
            Guid.NewGuid(),
            number,
            kind,
            title,
            description,
            roomId,
            roomName,
            start,
            end,
            Brussels.AtStrictly(start).ToInstant(),
            Brussels.AtStrictly(end).ToInstant(),
            chair,
            speakers,
            true,
            null,
            status,
            status == SessionStatus.Cancelled ? "Speaker unavailable" : null,
            1,
            [],
            true);

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Forum.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Forum.sln above {AppContext.BaseDirectory}.");
    }

    internal static (int ExitCode, string Output) Xmllint(params string[] arguments)
    {
        var start = new ProcessStartInfo("xmllint")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("xmllint did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("xmllint is missing: install libxml2-utils (./forum test does).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                throw new TimeoutException("xmllint did not finish in 30 seconds.");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
