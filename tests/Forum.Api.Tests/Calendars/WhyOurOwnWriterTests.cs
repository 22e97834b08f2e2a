using System.Globalization;
using System.Text;
using Forum.Api.Calendars;
using Ical.Net.CalendarComponents;
using CalDateTime = Ical.Net.DataTypes.CalDateTime;
using Ical.Net.Serialization;
using NodaTime;

namespace Forum.Api.Tests.Calendars;

/// <summary>
/// Why Forum writes its own iCalendar (docs/calendars.md): Ical.Net 5.2.4 reads well but writes with the defects
/// STACK.md lists. Each defect has a test that fails if our writer had it, read back by Ical.Net and ical.js, and a
/// test that the library still has it: when a new version fixes it, that test fails and the choice is to be made again.
/// </summary>
public sealed class WhyOurOwnWriterTests
{
    private static readonly Instant Stamp = Instant.FromUtc(2026, 11, 1, 12, 0);
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    /// <summary>Every octet position of a character on a SUMMARY line, over the first three folds and a little more.</summary>
    private static IEnumerable<string> Summaries(string character) =>
        Enumerable.Range(0, 3 * CalendarWriter.MaxOctets + 10).Select(p => new string('a', p) + character + new string('b', 160));

    private static byte[] Feed(string summary, int i) =>
        new CalendarWriter().Begin("VCALENDAR").Raw("VERSION", "2.0").Raw("PRODID", "-//Forum//Tests//EN")
            .Begin("VEVENT").Raw("UID", $"event-{i}@test").Utc("DTSTAMP", Stamp)
            .Utc("DTSTART", Stamp).Utc("DTEND", Stamp + Duration.FromHours(1)).Text("SUMMARY", summary)
            .End("VEVENT").End("VCALENDAR").ToUtf8();

    [Theory]
    [InlineData("😀")]
    [InlineData("中")]
    [InlineData("é")]
    public async Task An_emoji_at_every_fold_position_stays_whole(string character)
    {
        var summaries = Summaries(character).ToList();
        var feeds = summaries.Select(Feed).ToList();
        foreach (var (feed, summary) in feeds.Zip(summaries))
        {
            var lines = Strict.GetString(feed).Split("\r\n")[..^1];
            var folded = lines.SkipWhile(l => !l.StartsWith("SUMMARY:", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("SUMMARY:", StringComparison.Ordinal) || l.StartsWith(' ')).ToList();
            Assert.True(folded.Count >= 3, $"{folded.Count} lines");
            for (var i = 0; i < folded.Count; i++)
            {
                // Each physical line is whole UTF-8 (GetBytes of a string with a lone surrogate would give U+FFFD) ...
                Assert.DoesNotContain('\uFFFD', folded[i]);
                var octets = Encoding.UTF8.GetByteCount(folded[i]);
                Assert.True(octets <= CalendarWriter.MaxOctets, $"a line of {octets} octets");
                if (i + 1 < folded.Count)
                {
                    // ... and full: folded only because the next character would pass 75 octets.
                    Assert.StartsWith(" ", folded[i + 1], StringComparison.Ordinal);
                    var next = Rune.GetRuneAt(folded[i + 1], 1);
                    Assert.True(octets + next.Utf8SequenceLength > CalendarWriter.MaxOctets, $"a line of {octets} octets folded before {next}");
                }
            }

            Assert.Equal(summary, Assert.Single(IcalNet.Load(feed).Events).Summary);
        }

        var parsed = await IcalJs.ParseAllAsync(feeds);
        Assert.Equal(summaries, parsed.EnumerateArray().Select(f => f.GetProperty("events")[0].GetProperty("summary").GetString()));
    }

    [Fact]
    public void Ical_Net_5_2_4_as_a_writer_still_splits_an_emoji_at_a_fold_into_U_FFFD()
    {
        var broken = 0;
        foreach (var summary in Summaries("😀"))
        {
            var calendar = new Ical.Net.Calendar();
            calendar.Events.Add(new CalendarEvent
            {
                Uid = "event@test",
                DtStamp = new CalDateTime(2026, 11, 1, 12, 0, 0, CalDateTime.UtcTzId),
                DtStart = new CalDateTime(2026, 11, 1, 12, 0, 0, CalDateTime.UtcTzId),
                Summary = summary,
            });
            var feed = Encoding.UTF8.GetBytes(new CalendarSerializer().SerializeToString(calendar)!);
            var read = Assert.Single(IcalNet.Load(feed).Events).Summary!;
            if (read != summary)
            {
                Assert.Contains('\uFFFD', read);
                broken++;
            }
        }

        // When this fails, Ical.Net folds whole characters: docs/calendars.md's reasons are to be weighed again.
        Assert.True(broken > 0, "Ical.Net's writer kept every emoji whole");
    }

    /// <summary>Three hours either side of every transition of the zone in the years, and noon on the 15th of every month.</summary>
    private static List<Instant> Around(DateTimeZone zone, int firstYear, int lastYear)
    {
        var from = Instant.FromUtc(firstYear, 1, 1, 0, 0);
        var to = Instant.FromUtc(lastYear + 1, 1, 1, 0, 0);
        return zone.GetZoneIntervals(from, to).Where(i => i.HasStart && i.Start > from && i.Start < to)
            .SelectMany(i => new[] { i.Start - Duration.FromHours(3), i.Start + Duration.FromHours(3) })
            .Concat(Enumerable.Range(0, 12 * (lastYear - firstYear + 1)).Select(m => new LocalDate(firstYear, 1, 15).PlusMonths(m).At(new LocalTime(12, 0)).InZoneLeniently(zone).ToInstant()))
            .Order().ToList();
    }

    /// <summary>
    /// Each event of our feed at its true instant by the feed's VTIMEZONE as ical.js evaluates it, and, unless told
    /// otherwise, as Ical.Net evaluates it too; Ical.Net also reads each event's TZID and local time.
    /// </summary>
    private static async Task AssertEveryEventAtItsInstantAsync(DateTimeZone zone, List<Instant> instants, bool byIcalNet = true)
    {
        var feed = CalendarWriterTests.Calendar(zone, instants);
        var calendar = IcalNet.Load(feed);
        Assert.Equal(instants.Count, calendar.Events.Count);
        foreach (var (e, truth) in calendar.Events.Zip(instants))
        {
            Assert.Equal(zone.Id, e.DtStart!.TzId);
            Assert.Equal(truth.ToDateTimeUtc(), e.DtStart.AsUtc);
            var local = LocalDateTime.FromDateTime(e.DtStart.Value);
            var byVTimeZone = IcalNet.InstantIn(calendar, zone.Id, local);
            Assert.True(!byIcalNet || byVTimeZone == truth, $"{local} in {zone.Id}: the VTIMEZONE gives {byVTimeZone?.ToString() ?? "nothing"}, the truth is {truth}");
        }

        var parsed = await IcalJs.ParseAsync(feed);
        Assert.Equal(
            instants.Select(i => i.ToDateTimeOffset()),
            parsed.GetProperty("events").EnumerateArray().Select(e => DateTimeOffset.Parse(e.GetProperty("start").GetString()!, CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("Europe/Brussels")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Sydney")]
    [InlineData("America/Sao_Paulo")]
    [InlineData("Asia/Tokyo")]
    [InlineData("Africa/Cairo")]
    [InlineData("America/Santiago")]
    [InlineData("Asia/Jerusalem")]
    public async Task A_VTIMEZONE_for_a_conference_years_ahead_covers_every_date_of_it(string id)
    {
        // Five and six years after today: Ical.Net 5.2.4 cannot write a VTIMEZONE more than a year ahead. Cairo's and
        // Santiago's onsets then fit no yearly rule (one RDATE each) and Jerusalem's rule ends (UNTIL): a VTIMEZONE
        // made for the years around today would put events of those years at the wrong instant.
        var year = DateTime.UtcNow.Year + 5;
        var zone = DateTimeZoneProviders.Tzdb[id];
        await AssertEveryEventAtItsInstantAsync(zone, Around(zone, year, year + 1));
    }

    [Fact]
    public async Task A_conference_in_Sao_Paulo_in_November_2018_is_in_its_summer_time_whatever_today_s_date()
    {
        // São Paulo kept summer time from 4 November 2018 to 17 February 2019, and has had none since.
        var zone = DateTimeZoneProviders.Tzdb["America/Sao_Paulo"];
        var conference = Enumerable.Range(5, 5).Select(d => new LocalDateTime(2018, 11, d, 10, 0).InZoneStrictly(zone).ToInstant()).ToList();
        Assert.Equal(Instant.FromUtc(2018, 11, 5, 12, 0), conference[0]);
        await AssertEveryEventAtItsInstantAsync(zone, conference);
        // Around every transition of 2018 and 2019 by ical.js alone: Ical.Net's recurrence engine misses the onset of
        // 17 February 2019, the last of its rule, which the rule's UNTIL includes (see the test below).
        await AssertEveryEventAtItsInstantAsync(zone, Around(zone, 2018, 2019), byIcalNet: false);
    }

    [Fact]
    public void Ical_Net_5_2_4_still_cannot_write_a_VTIMEZONE_more_than_a_year_ahead_nor_Sao_Paulo_s_2018_summer_time()
    {
        // When this fails, Ical.Net's VTIMEZONEs no longer depend on today's date: docs/calendars.md's reasons are to be weighed again.
        Assert.ThrowsAny<ArgumentException>(() => VTimeZone.FromDateTimeZone("Europe/Brussels", new DateTime(DateTime.UtcNow.Year + 2, 6, 1), includeHistoricalData: false));

        var calendar = new Ical.Net.Calendar();
        calendar.TimeZones.Add(VTimeZone.FromDateTimeZone("America/Sao_Paulo", new DateTime(2018, 11, 5), includeHistoricalData: false));
        var read = IcalNet.Load(Encoding.UTF8.GetBytes(new CalendarSerializer().SerializeToString(calendar)!));
        Assert.NotEqual(Instant.FromUtc(2018, 11, 5, 12, 0), IcalNet.InstantIn(read, "America/Sao_Paulo", new LocalDateTime(2018, 11, 5, 10, 0)));
    }

    [Fact]
    public void Ical_Net_5_2_4_as_a_reader_still_drops_a_rule_s_last_occurrence_on_the_day_of_its_UNTIL()
    {
        // RFC 5545 3.3.10: UNTIL bounds the rule inclusively. São Paulo's end of summer time on 17 February 2019 is the
        // last of its rule: when this fails, Ical.Net can check our VTIMEZONEs around every transition.
        var feed = """
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//Forum//Tests//EN
            BEGIN:VTIMEZONE
            TZID:America/Sao_Paulo
            BEGIN:STANDARD
            DTSTART:20170219T000000
            TZOFFSETFROM:-0200
            TZOFFSETTO:-0300
            RRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=3SU;UNTIL=20190217T020000Z
            TZNAME:-03
            END:STANDARD
            END:VTIMEZONE
            END:VCALENDAR

            """.ReplaceLineEndings("\r\n");
        var standard = Assert.Single(Assert.Single(IcalNet.Load(Encoding.UTF8.GetBytes(feed)).TimeZones).TimeZoneInfos);
        Assert.Equal(
            [new DateTime(2017, 2, 19), new DateTime(2018, 2, 18)],
            standard.GetOccurrences().Select(o => o.Period.StartTime.Value));
    }
}
