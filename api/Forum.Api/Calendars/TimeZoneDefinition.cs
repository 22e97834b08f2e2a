using System.Globalization;
using NodaTime;
using NodaTime.TimeZones;

namespace Forum.Api.Calendars;

/// <summary>
/// A VTIMEZONE for an IANA zone, generated from NodaTime's time-zone database for the years of a feed's events
/// (from the year before the first to the year after the last). Each transition in those years becomes the onset
/// of a STANDARD or DAYLIGHT sub-component; the onsets of one kind with the same offsets that fall on the same
/// weekday of the same month at the same local time year after year are one sub-component with a yearly RRULE
/// (open-ended when the zone keeps the rule the year after, otherwise with UNTIL); any others (a zone that
/// changed its rules within the span) are listed as RDATEs. A zone without transitions in the span is a single
/// STANDARD.
/// </summary>
public static class TimeZoneDefinition
{
    private sealed record Onset(Instant At, Offset From, Offset To, bool Daylight, string Name)
    {
        /// <summary>The onset's local time, as VTIMEZONE writes it: in the offset in force before it.</summary>
        public LocalDateTime Local => At.WithOffset(From).LocalDateTime;
    }

    public static void Write(CalendarWriter writer, DateTimeZone zone, Instant first, Instant last)
    {
        var start = new LocalDate(first.InUtc().Year - 1, 1, 1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        var end = new LocalDate(last.InUtc().Year + 2, 1, 1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        var intervals = zone.GetZoneIntervals(start, end).ToList();

        writer.Begin("VTIMEZONE").Raw("TZID", zone.Id);
        if (intervals.Count == 1)
        {
            var only = intervals[0];
            writer.Begin("STANDARD")
                .Raw("DTSTART", "19700101T000000")
                .Raw("TZOFFSETFROM", CalendarWriter.FormatOffset(only.WallOffset))
                .Raw("TZOFFSETTO", CalendarWriter.FormatOffset(only.WallOffset))
                .Text("TZNAME", only.Name)
                .End("STANDARD");
            writer.End("VTIMEZONE");
            return;
        }

        var onsets = new List<Onset>();
        for (var i = 0; i < intervals.Count; i++)
        {
            var interval = intervals[i];
            if (!interval.HasStart)
            {
                continue;
            }

            var before = i > 0 ? intervals[i - 1].WallOffset : zone.GetUtcOffset(interval.Start - Duration.Epsilon);
            onsets.Add(new Onset(interval.Start, before, interval.WallOffset, interval.Savings != Offset.Zero, interval.Name));
        }

        // The year after the span tells whether a yearly rule goes on.
        var after = zone.GetZoneIntervals(end, end.Plus(Duration.FromDays(366))).Where(i => i.HasStart && i.Start >= end).ToList();
        foreach (var group in onsets.GroupBy(o => (o.Daylight, o.From, o.To, o.Name)))
        {
            var list = group.OrderBy(o => o.At).ToList();
            var component = group.Key.Daylight ? "DAYLIGHT" : "STANDARD";
            writer.Begin(component)
                .Raw("DTSTART", CalendarWriter.FormatLocal(list[0].Local))
                .Raw("TZOFFSETFROM", CalendarWriter.FormatOffset(group.Key.From))
                .Raw("TZOFFSETTO", CalendarWriter.FormatOffset(group.Key.To));
            if (list.Count > 1 && YearlyRule(list) is { } rule)
            {
                var next = after.FirstOrDefault(i => (i.Savings != Offset.Zero) == group.Key.Daylight && i.WallOffset == group.Key.To && i.Name == group.Key.Name);
                var continues = next is not null
                    && YearlyRule([.. list, new Onset(next.Start, group.Key.From, group.Key.To, group.Key.Daylight, group.Key.Name)]) == rule;
                writer.Raw("RRULE", continues ? rule : $"{rule};UNTIL={CalendarWriter.FormatUtc(list[^1].At)}");
            }
            else
            {
                // One RDATE per onset: some readers (ical.js among them) take only the first value of a list.
                foreach (var onset in list.Skip(1))
                {
                    writer.Raw("RDATE", CalendarWriter.FormatLocal(onset.Local));
                }
            }

            writer.Text("TZNAME", group.Key.Name).End(component);
        }

        writer.End("VTIMEZONE");
    }

    /// <summary>
    /// FREQ=YEARLY;BYMONTH=m;BYDAY=nDD when every onset is in consecutive years, in the same month, on the same
    /// weekday, at the same local time, and the same n-th (or last, -1) such weekday of the month; otherwise null.
    /// </summary>
    private static string? YearlyRule(IReadOnlyList<Onset> onsets)
    {
        var locals = onsets.Select(o => o.Local).ToList();
        var firstLocal = locals[0];
        for (var i = 1; i < locals.Count; i++)
        {
            var l = locals[i];
            if (l.Year != firstLocal.Year + i || l.Month != firstLocal.Month || l.DayOfWeek != firstLocal.DayOfWeek || l.TimeOfDay != firstLocal.TimeOfDay)
            {
                return null;
            }
        }

        // The candidates every onset fits: its n-th weekday of the month, and "last" when it is the last one.
        var fits = locals.Select(Candidates).Aggregate((a, b) => a.Intersect(b).ToList());
        if (fits.Count == 0)
        {
            return null;
        }

        var n = fits.Contains(-1) ? -1 : fits[0];
        return string.Create(CultureInfo.InvariantCulture, $"FREQ=YEARLY;BYMONTH={firstLocal.Month};BYDAY={n}{Day(firstLocal.DayOfWeek)}");
    }

    private static List<int> Candidates(LocalDateTime local)
    {
        var nth = ((local.Day - 1) / 7) + 1;
        var last = local.Day + 7 > CalendarSystem.Iso.GetDaysInMonth(local.Year, local.Month);
        return last ? [nth, -1] : [nth];
    }

    private static string Day(IsoDayOfWeek day) => day switch
    {
        IsoDayOfWeek.Monday => "MO",
        IsoDayOfWeek.Tuesday => "TU",
        IsoDayOfWeek.Wednesday => "WE",
        IsoDayOfWeek.Thursday => "TH",
        IsoDayOfWeek.Friday => "FR",
        IsoDayOfWeek.Saturday => "SA",
        _ => "SU",
    };
}
