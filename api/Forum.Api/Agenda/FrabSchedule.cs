using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Forum.Api.Conferences;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Agenda;

/// <summary>
/// The agenda in the frab/pentabarf schedule formats that conference apps read (Giggity, ConfClerk,
/// EventFahrplan): <c>schedule.xml</c>, valid against c3voc's XSD (<c>schemas/frab-schedule.xsd</c>), and the JSON
/// form frab and pretalx publish as <c>schedule.json</c>, valid against c3voc's JSON schema
/// (<c>schemas/frab-schedule.schema.json</c>).
/// </summary>
/// <remarks>
/// <para>Only the sessions of the given <see cref="AgendaView"/> are exported: the caller decides what the
/// reader may see (closed sessions are filtered out before, for the public). Cancelled sessions are left
/// out as well: the apps show what happens, and the formats have no way of marking an event cancelled.</para>
/// <para>Times: an event's <c>date</c> is its start instant with the UTC offset the conference's zone has at
/// that instant (the zone's name is in <c>time_zone_name</c> too), <c>start</c>
/// is the local wall-clock time and <c>duration</c> is measured between the instants, so a session across a
/// daylight saving change has its real length. A day runs from the start of its local date to the start of
/// the next one (later if a session of that day ends after it), each with its own offset.</para>
/// <para>Ids: an event's id is the session's number, its guid the session's id; a person's id is the order
/// in which the name first appears in the schedule (chair, then speakers), so it is stable for an
/// unchanged agenda, but only within one schedule.</para>
/// </remarks>
public static partial class FrabSchedule
{
    private const int MaxTitleSlugLength = 60;

    // Latin-1 Supplement and Latin Extended-A (U+00C0 to U+017F) without their accents; '-' where a letter
    // needs two (handled before the table) or the character is a sign (× and ÷).
    private const char LatinFrom = '\u00C0';
    private const char LatinTo = '\u017F';
    private const string LatinToAscii =
        "aaaaaa-ceeeeiiiidnooooo-ouuuuy--aaaaaa-ceeeeiiiidnooooo-ouuuuy-y" +
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii--jjkkklllllll" +
        "lllnnnnnnnnnoooooo--rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

    private static readonly OffsetDateTimePattern DateTimePattern =
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");

    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");

    public static string ToXml(ConferenceScheduled conference, AgendaView agenda, string? baseUrl = null, Func<SessionView, string>? sessionUrl = null)
    {
        var schedule = Build(conference, agenda, baseUrl, sessionUrl);
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
        };
        using var stream = new MemoryStream();
        using (var xml = XmlWriter.Create(stream, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("schedule");
            xml.WriteElementString("version", schedule.Version);
            xml.WriteStartElement("conference");
            xml.WriteElementString("title", schedule.Title);
            xml.WriteElementString("acronym", schedule.Acronym);
            xml.WriteElementString("start", LocalDatePattern.Iso.Format(schedule.Start));
            xml.WriteElementString("end", LocalDatePattern.Iso.Format(schedule.End));
            xml.WriteElementString("days", schedule.Days.Count.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("timeslot_duration", schedule.TimeslotDuration);
            xml.WriteElementString("time_zone_name", schedule.TimeZone);
            xml.WriteEndElement();
            foreach (var day in schedule.Days)
            {
                xml.WriteStartElement("day");
                xml.WriteAttributeString("index", day.Index.ToString(CultureInfo.InvariantCulture));
                xml.WriteAttributeString("date", LocalDatePattern.Iso.Format(day.Date));
                xml.WriteAttributeString("start", DateTimePattern.Format(day.Start));
                xml.WriteAttributeString("end", DateTimePattern.Format(day.End));
                foreach (var room in day.Rooms)
                {
                    xml.WriteStartElement("room");
                    xml.WriteAttributeString("name", room.Name);
                    foreach (var e in room.Events)
                    {
                        WriteXmlEvent(xml, e);
                    }

                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string ToJson(ConferenceScheduled conference, AgendaView agenda, string? baseUrl = null, Func<SessionView, string>? sessionUrl = null)
    {
        var schedule = Build(conference, agenda, baseUrl, sessionUrl);
        // Relaxed escaping keeps names such as "Malmström" readable; the document is served as JSON, never embedded in HTML.
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, options))
        {
            json.WriteStartObject();
            json.WriteStartObject("schedule");
            json.WriteString("version", schedule.Version);
            if (schedule.BaseUrl is not null)
            {
                json.WriteString("base_url", schedule.BaseUrl);
            }

            json.WriteStartObject("conference");
            json.WriteString("acronym", schedule.Acronym);
            json.WriteString("title", schedule.Title);
            json.WriteString("start", LocalDatePattern.Iso.Format(schedule.Start));
            json.WriteString("end", LocalDatePattern.Iso.Format(schedule.End));
            json.WriteNumber("daysCount", schedule.Days.Count);
            json.WriteString("timeslot_duration", schedule.TimeslotDuration);
            json.WriteString("time_zone_name", schedule.TimeZone);
            json.WriteStartArray("rooms");
            foreach (var room in schedule.Rooms)
            {
                json.WriteStartObject();
                json.WriteString("name", room.Name);
                json.WriteString("guid", room.Guid);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("days");
            foreach (var day in schedule.Days)
            {
                json.WriteStartObject();
                json.WriteNumber("index", day.Index);
                json.WriteString("date", LocalDatePattern.Iso.Format(day.Date));
                json.WriteString("day_start", DateTimePattern.Format(day.Start));
                json.WriteString("day_end", DateTimePattern.Format(day.End));
                json.WriteStartObject("rooms");
                foreach (var room in day.Rooms)
                {
                    json.WriteStartArray(room.Name);
                    foreach (var e in room.Events)
                    {
                        WriteJsonEvent(json, e);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteXmlEvent(XmlWriter xml, ScheduleEvent e)
    {
        xml.WriteStartElement("event");
        xml.WriteAttributeString("id", e.Id.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("guid", e.Guid);
        xml.WriteElementString("date", DateTimePattern.Format(e.Date));
        xml.WriteElementString("start", e.Start);
        xml.WriteElementString("duration", e.Duration);
        xml.WriteElementString("room", e.Room);
        if (VocSlug().IsMatch(e.Slug))
        {
            xml.WriteElementString("slug", e.Slug);
        }
        xml.WriteElementString("title", e.Title);
        xml.WriteElementString("subtitle", "");
        xml.WriteElementString("track", e.Track);
        xml.WriteElementString("type", e.Type);
        if (e.Language.Length > 0)
        {
            xml.WriteElementString("language", e.Language);
        }

        xml.WriteElementString("abstract", e.Abstract);
        xml.WriteElementString("description", e.Description);
        if (e.Url.StartsWith("https://", StringComparison.Ordinal) || e.Url.StartsWith("http://", StringComparison.Ordinal))
        {
            xml.WriteElementString("url", e.Url);
        }

        xml.WriteStartElement("persons");
        foreach (var person in e.Persons)
        {
            xml.WriteStartElement("person");
            xml.WriteAttributeString("id", person.Id.ToString(CultureInfo.InvariantCulture));
            xml.WriteString(person.Name);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteJsonEvent(Utf8JsonWriter json, ScheduleEvent e)
    {
        json.WriteStartObject();
        json.WriteString("guid", e.Guid);
        json.WriteNumber("id", e.Id);
        json.WriteString("date", DateTimePattern.Format(e.Date));
        json.WriteString("start", e.Start);
        json.WriteString("duration", e.Duration);
        json.WriteString("room", e.Room);
        json.WriteString("slug", e.Slug);
        json.WriteString("url", e.Url);
        json.WriteString("title", e.Title);
        json.WriteString("subtitle", "");
        json.WriteString("track", e.Track);
        json.WriteString("type", e.Type);
        json.WriteString("language", e.Language);
        json.WriteString("abstract", e.Abstract);
        json.WriteString("description", e.Description);
        json.WriteStartArray("persons");
        foreach (var person in e.Persons)
        {
            json.WriteStartObject();
            json.WriteNumber("id", person.Id);
            json.WriteString("public_name", person.Name);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("links");
        json.WriteEndArray();
        json.WriteStartArray("attachments");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The one model both formats write, so that they always carry the same events, ids and persons.</summary>
    private static Schedule Build(ConferenceScheduled conference, AgendaView agenda, string? baseUrl, Func<SessionView, string>? sessionUrl)
    {
        ArgumentNullException.ThrowIfNull(conference);
        ArgumentNullException.ThrowIfNull(agenda);
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(conference.TimeZone)
            ?? throw new ArgumentException($"Unknown time zone '{conference.TimeZone}'.", nameof(conference));
        var language = Clean(conference.Languages.Count > 0 ? conference.Languages[0] : null);
        var conferenceSlug = Slugify(conference.Slug, int.MaxValue);
        var url = string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.Trim();

        // Rooms in agenda order, then any room a day names that the agenda's list does not; one room per name.
        var roomNames = new Dictionary<Guid, string>();
        var rooms = new List<ScheduleRoom>();
        void AddRoom(Guid id, string name)
        {
            if (roomNames.ContainsKey(id))
            {
                return;
            }

            var cleaned = Clean(name);
            roomNames[id] = cleaned;
            if (!rooms.Exists(r => string.Equals(r.Name, cleaned, StringComparison.Ordinal)))
            {
                rooms.Add(new ScheduleRoom(id.ToString(), cleaned));
            }
        }

        foreach (var room in agenda.Rooms)
        {
            AddRoom(room.Id, room.Name);
        }

        foreach (var room in agenda.Days.SelectMany(d => d.Rooms))
        {
            AddRoom(room.RoomId, room.RoomName);
        }

        var dates = new SortedSet<LocalDate>(agenda.Days.Select(d => d.Date));
        if (conference.FirstDay <= conference.LastDay)
        {
            for (var date = conference.FirstDay; date <= conference.LastDay; date = date.PlusDays(1))
            {
                dates.Add(date);
            }
        }

        var persons = new Dictionary<string, int>(StringComparer.Ordinal);
        var days = new List<ScheduleDay>();
        var slots = new List<long>();
        foreach (var date in dates)
        {
            var start = zone.AtStartOfDay(date).ToInstant();
            var end = zone.AtStartOfDay(date.PlusDays(1)).ToInstant();
            var sessionsByRoom = agenda.Days
                .Where(d => d.Date == date)
                .SelectMany(d => d.Rooms)
                .SelectMany(r => r.Sessions.Select(s => (Room: roomNames[r.RoomId], Session: s)))
                .Where(x => x.Session.Status != SessionStatus.Cancelled)
                .ToLookup(x => x.Room, x => x.Session, StringComparer.Ordinal);
            var dayRooms = new List<ScheduleDayRoom>();
            foreach (var room in rooms)
            {
                var events = new List<ScheduleEvent>();
                foreach (var session in sessionsByRoom[room.Name].OrderBy(s => s.StartUtc).ThenBy(s => s.Number))
                {
                    var e = ToEvent(session, room.Name, zone, conferenceSlug, language, url, sessionUrl, persons);
                    events.Add(e);
                    if (session.EndUtc > end)
                    {
                        end = session.EndUtc;
                    }

                    var local = session.StartUtc.InZone(zone).LocalDateTime;
                    slots.Add(local.Hour * 60L + local.Minute);
                    slots.Add((long)Math.Floor((session.EndUtc - session.StartUtc).TotalMinutes));
                }

                dayRooms.Add(new ScheduleDayRoom(room.Name, events));
            }

            days.Add(new ScheduleDay(days.Count + 1, date, start.InZone(zone).ToOffsetDateTime(), end.InZone(zone).ToOffsetDateTime(), dayRooms));
        }

        var version = agenda.Version is { } v ? v.ToString(CultureInfo.InvariantCulture) : "draft";
        return new Schedule(
            version,
            url,
            Clean(conference.Title),
            Acronym(conferenceSlug),
            conference.FirstDay,
            conference.LastDay,
            zone.Id,
            TimeslotDuration(slots),
            rooms,
            days);
    }

    private static ScheduleEvent ToEvent(
        SessionView session,
        string room,
        DateTimeZone zone,
        string conferenceSlug,
        string language,
        string? baseUrl,
        Func<SessionView, string>? sessionUrl,
        Dictionary<string, int> persons)
    {
        if (session.Number <= 0)
        {
            throw new ArgumentException($"Session {session.Id} has no positive number ({session.Number}).", nameof(session));
        }

        var start = session.StartUtc.InZone(zone).ToOffsetDateTime();
        var minutes = Math.Max(0L, (long)Math.Floor((session.EndUtc - session.StartUtc).TotalMinutes));
        var duration = string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:00}:{minutes % 60:00}");
        var number = session.Number.ToString(CultureInfo.InvariantCulture);
        var title = Clean(session.Title);
        var titleSlug = Slugify(title, MaxTitleSlugLength);
        var slug = titleSlug.Length == 0 ? $"{conferenceSlug}-{number}" : $"{conferenceSlug}-{number}-{titleSlug}";
        var kind = KindLabel(session.Kind);
        var description = Clean(session.Description);

        // A closed session is listed so that the public knows it happens; it says so instead of what it is about.
        var summary = session.IsPublic ? description : "Closed session (by invitation only).";

        var names = new List<string>();
        foreach (var name in session.Speakers.Prepend(session.Chair))
        {
            var cleaned = Clean(name).Trim();
            if (cleaned.Length > 0 && !names.Contains(cleaned, StringComparer.Ordinal))
            {
                names.Add(cleaned);
            }
        }

        var people = new List<SchedulePerson>();
        foreach (var name in names)
        {
            if (!persons.TryGetValue(name, out var id))
            {
                id = persons.Count + 1;
                persons[name] = id;
            }

            people.Add(new SchedulePerson(id, name));
        }

        // The session's own page (Calendars:SessionUrl: the web client's, in ./forum run); else its place under the base URL.
        var url = sessionUrl?.Invoke(session) ?? (baseUrl is null ? "" : $"{baseUrl.TrimEnd('/')}/sessions/{session.Id}");
        return new ScheduleEvent(
            session.Number,
            session.Id.ToString(),
            room,
            title,
            kind,
            kind,
            start,
            TimePattern.Format(start.TimeOfDay),
            duration,
            language,
            summary,
            description,
            slug,
            url,
            people);
    }

    /// <summary>
    /// The c3voc JSON schema wants an acronym of at least four of [a-z0-9_] (a hyphen only before a year and a word), so
    /// the slug's hyphens become underscores (global_alliance_2012), padded to four; the XML carries the same.
    /// </summary>
    private static string Acronym(string slug) => slug.Replace('-', '_').PadRight(4, '_');

    /// <summary>
    /// The shared XSD's event slug (voc-slug-new): at least four of [a-z0-9_], a hyphen, at least four more. A slug of a
    /// conference whose first word is shorter (g7-2026-1-opening) is left out of the XML, where it is optional (readers
    /// then make their own); the JSON keeps it, its schema asks only for lower-case letters, digits and hyphens.
    /// </summary>
    [GeneratedRegex("^[a-z0-9_]{4,}-[a-z0-9_-]{4,}$")]
    private static partial Regex VocSlug();

    /// <summary>The coarsest grid of 15, 10 or 5 minutes (else 1) on which every start and duration falls.</summary>
    private static string TimeslotDuration(List<long> minutes)
    {
        foreach (var slot in new[] { 15, 10, 5 })
        {
            if (minutes.TrueForAll(m => m % slot == 0))
            {
                return string.Create(CultureInfo.InvariantCulture, $"00:{slot:00}");
            }
        }

        return "00:01";
    }

    /// <summary>A kind as a reader sees it: SigningCeremony is "Signing ceremony".</summary>
    private static string KindLabel(SessionKind kind)
    {
        var name = kind.ToString();
        var label = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && label.Length > 0)
            {
                label.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                label.Append(c);
            }
        }

        return label.ToString();
    }

    /// <summary>
    /// Lower-case ASCII letters and digits joined by single hyphens; Latin letters lose their accents (Malmström
    /// is malmstrom, Æ is ae). The table is ours rather than Unicode normalization, which does nothing under
    /// InvariantGlobalization, so a slug is the same on every machine. Other scripts are dropped.
    /// </summary>
    private static string Slugify(string text, int maxLength)
    {
        var slug = new StringBuilder();
        var pendingHyphen = false;
        foreach (var c in text)
        {
            var ascii = c switch
            {
                'ß' => "ss",
                'Æ' or 'æ' => "ae",
                'Œ' or 'œ' => "oe",
                'Þ' or 'þ' => "th",
                'Ĳ' or 'ĳ' => "ij",
                >= LatinFrom and <= LatinTo => LatinToAscii[c - LatinFrom].ToString(),
                _ => c.ToString(),
            };
            foreach (var a in ascii)
            {
                if (slug.Length >= maxLength)
                {
                    break;
                }

                if (a is >= 'a' and <= 'z' or >= '0' and <= '9')
                {
                    AppendSlugChar(slug, a, ref pendingHyphen);
                }
                else if (a is >= 'A' and <= 'Z')
                {
                    AppendSlugChar(slug, (char)(a + ('a' - 'A')), ref pendingHyphen);
                }
                else
                {
                    pendingHyphen = slug.Length > 0;
                }
            }
        }

        return slug.ToString();
    }

    private static void AppendSlugChar(StringBuilder slug, char c, ref bool pendingHyphen)
    {
        if (pendingHyphen)
        {
            slug.Append('-');
            pendingHyphen = false;
        }

        slug.Append(c);
    }

    /// <summary>Drops what XML 1.0 cannot carry (control characters, lone surrogates), so both formats hold the same text.</summary>
    private static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (XmlConvert.IsXmlChar(c))
            {
                clean.Append(c);
            }
        }

        return clean.ToString();
    }

    private sealed record Schedule(
        string Version,
        string? BaseUrl,
        string Title,
        string Acronym,
        LocalDate Start,
        LocalDate End,
        string TimeZone,
        string TimeslotDuration,
        IReadOnlyList<ScheduleRoom> Rooms,
        IReadOnlyList<ScheduleDay> Days);

    private sealed record ScheduleRoom(string Guid, string Name);

    private sealed record ScheduleDay(int Index, LocalDate Date, OffsetDateTime Start, OffsetDateTime End, IReadOnlyList<ScheduleDayRoom> Rooms);

    private sealed record ScheduleDayRoom(string Name, IReadOnlyList<ScheduleEvent> Events);

    private sealed record ScheduleEvent(
        int Id,
        string Guid,
        string Room,
        string Title,
        string Type,
        string Track,
        OffsetDateTime Date,
        string Start,
        string Duration,
        string Language,
        string Abstract,
        string Description,
        string Slug,
        string Url,
        IReadOnlyList<SchedulePerson> Persons);

    private sealed record SchedulePerson(int Id, string Name);
}
