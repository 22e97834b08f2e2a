using System.Text;
using System.Text.Json;
using Forum.Api.Calendars;
using NodaTime;

namespace Forum.Api.Tests.Calendars;

public sealed class CalendarWriterTests
{
    private static readonly Instant Stamp = Instant.FromUtc(2026, 11, 1, 12, 0);

    /// <summary>A calendar with one event per instant, each written in the zone's local time with its TZID.</summary>
    internal static byte[] Calendar(DateTimeZone zone, IReadOnlyList<Instant> starts, string summary = "Session")
    {
        var w = new CalendarWriter().Begin("VCALENDAR").Raw("VERSION", "2.0").Raw("PRODID", "-//Forum//Tests//EN");
        TimeZoneDefinition.Write(w, zone, starts.Min(), starts.Max());
        foreach (var (start, i) in starts.Select((s, i) => (s, i)))
        {
            var end = start + Duration.FromMinutes(30);
            w.Begin("VEVENT").Raw("UID", $"event-{i}@test").Utc("DTSTAMP", Stamp)
                .Zoned("DTSTART", start.InZone(zone).LocalDateTime, zone.Id).Zoned("DTEND", end.InZone(zone).LocalDateTime, zone.Id)
                .Text("SUMMARY", summary).End("VEVENT");
        }

        return w.End("VCALENDAR").ToUtf8();
    }

    private static List<byte[]> Lines(byte[] feed)
    {
        var lines = new List<byte[]>();
        var from = 0;
        for (var i = 0; i < feed.Length; i++)
        {
            if (feed[i] == '\n')
            {
                Assert.True(i > 0 && feed[i - 1] == '\r', "every line ends with CR LF");
                lines.Add(feed[from..(i - 1)]);
                from = i + 1;
            }
            else if (feed[i] == '\r')
            {
                Assert.True(i + 1 < feed.Length && feed[i + 1] == '\n', "no CR without LF");
            }
        }

        Assert.Equal(feed.Length, from);
        return lines;
    }

    [Theory]
    [InlineData("é")]
    [InlineData("😀")]
    [InlineData("👩‍👩‍👧")]
    [InlineData("中")]
    public void Lines_fold_at_75_octets_between_characters_and_each_line_is_valid_UTF_8_on_its_own(string character)
    {
        // "SUMMARY:" and 66 letters fill 74 octets: the next character does not fit on the first line.
        foreach (var padding in Enumerable.Range(60, 12))
        {
            var summary = new string('a', padding) + string.Concat(Enumerable.Repeat(character, 40)) + " end";
            var feed = new CalendarWriter().Text("SUMMARY", summary).ToUtf8();
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            var lines = Lines(feed);
            Assert.True(lines.Count > 1);
            foreach (var line in lines)
            {
                Assert.True(line.Length <= 75, $"a line of {line.Length} octets");
                strict.GetString(line);
            }

            Assert.All(lines.Skip(1), l => Assert.Equal((byte)' ', l[0]));
            var unfolded = Encoding.UTF8.GetString(feed).Replace("\r\n ", "", StringComparison.Ordinal);
            Assert.Equal($"SUMMARY:{summary}\r\n", unfolded);
        }
    }

    [Fact]
    public void Text_is_escaped_backslash_first_and_control_characters_are_dropped()
    {
        Assert.Equal(@"a\\b\;c\,d\ne\nf\ng:h", CalendarWriter.EscapeText("a\\b;c,d\r\ne\nf\rg:h\u0007"));
        Assert.Equal(@"\\n is not a line break", CalendarWriter.EscapeText(@"\n is not a line break"));
    }

    [Fact]
    public void Parameter_values_are_quoted_when_they_hold_colons_semicolons_or_commas_and_never_escaped()
    {
        var line = Encoding.UTF8.GetString(new CalendarWriter().Raw("ORGANIZER", "mailto:forum@example.org", ("CN", "Doe, Jane: \"the\" organiser")).ToUtf8());
        Assert.Equal("ORGANIZER;CN=\"Doe, Jane: the organiser\":mailto:forum@example.org\r\n", line);
        Assert.Equal("Plain", CalendarWriter.ParameterValue("Plain"));
        Assert.Equal("\"a;b\"", CalendarWriter.ParameterValue("a;b"));
    }

    [Fact]
    public async Task Ical_js_reads_back_folded_and_escaped_text_exactly()
    {
        var summary = "Déjeuner; débat, \\ \"quotes\"\nsecond line 😀 " + new string('é', 80);
        var parsed = await IcalJs.ParseAsync(Calendar(DateTimeZoneProviders.Tzdb["Europe/Brussels"], [Instant.FromUtc(2026, 6, 1, 10, 0)], summary));
        Assert.Equal(summary, parsed.GetProperty("events")[0].GetProperty("summary").GetString());
    }

    public static TheoryData<string, string[]> Zones => new()
    {
        { "Europe/Brussels", ["BEGIN:STANDARD", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "BEGIN:DAYLIGHT", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "TZOFFSETTO:+0200"] },
        { "America/New_York", ["RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "TZOFFSETTO:-0400", "TZNAME:EDT"] },
        { "Australia/Sydney", ["RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU", "TZOFFSETTO:+1100"] },
        { "Asia/Tokyo", ["BEGIN:STANDARD", "TZOFFSETFROM:+0900", "TZOFFSETTO:+0900"] },
        { "America/Sao_Paulo", ["BEGIN:DAYLIGHT", "RDATE:", "TZOFFSETTO:-0300"] },
        { "Europe/Moscow", ["TZOFFSETTO:+0400", "TZOFFSETTO:+0300"] },
    };

    [Theory]
    [MemberData(nameof(Zones))]
    public async Task A_zone_s_VTIMEZONE_gives_ical_js_the_true_instant_of_every_event(string id, string[] expectedLines)
    {
        var zone = DateTimeZoneProviders.Tzdb[id];
        // Three hours either side of every transition from 2010 to 2020 (never in a skipped or repeated hour), and
        // the middle of every month.
        var from = Instant.FromUtc(2010, 1, 1, 0, 0);
        var to = Instant.FromUtc(2020, 12, 31, 0, 0);
        var instants = zone.GetZoneIntervals(from, to).Where(i => i.HasStart && i.Start > from)
            .SelectMany(i => new[] { i.Start - Duration.FromHours(3), i.Start + Duration.FromHours(3) })
            .Concat(Enumerable.Range(0, 132).Select(m => new LocalDate(2010, 1, 15).PlusMonths(m).At(new LocalTime(12, 0)).InZoneLeniently(zone).ToInstant()))
            .Order().ToList();
        var feed = Calendar(zone, instants);
        var text = Encoding.UTF8.GetString(feed);
        foreach (var line in expectedLines)
        {
            Assert.Contains(line, text, StringComparison.Ordinal);
        }

        if (id == "Asia/Tokyo")
        {
            Assert.DoesNotContain("DAYLIGHT", text, StringComparison.Ordinal);
            Assert.Equal(2, text.Split("BEGIN:STANDARD").Length);
        }

        Assert.DoesNotMatch(@"TZID=[^:\r\n]*:\d{8}T\d{6}Z", text);
        var parsed = await IcalJs.ParseAsync(feed);
        var events = parsed.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(instants.Count, events.Count);
        foreach (var (e, i) in events.Select((e, i) => (e, i)))
        {
            Assert.Equal(id, e.GetProperty("tzid").GetString());
            Assert.Equal(instants[i].ToDateTimeOffset(), DateTimeOffset.Parse(e.GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Every_line_of_a_calendar_ends_with_CRLF_and_times_are_UTC_or_zoned_never_floating()
    {
        var zone = DateTimeZoneProviders.Tzdb["Europe/Brussels"];
        var text = Encoding.UTF8.GetString(Calendar(zone, [Instant.FromUtc(2012, 12, 5, 15, 30)]));
        Assert.Contains("DTSTAMP:20261101T120000Z\r\n", text, StringComparison.Ordinal);
        Assert.Contains("DTSTART;TZID=Europe/Brussels:20121205T163000\r\n", text, StringComparison.Ordinal);
        Assert.Contains("DTEND;TZID=Europe/Brussels:20121205T170000\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n", text, StringComparison.Ordinal);
        Assert.Matches(@"^BEGIN:VCALENDAR\r\n", text);
    }
}
