using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Forum.Design.Localisation;

/// <summary>
/// Dates and times in words of the page's language, always in the conference's time zone. The app runs
/// globalization-invariant, so the names of days and months are ours (as the API's mails do).
/// </summary>
public static class Dates
{
    private static readonly string[] EnglishDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    private static readonly string[] FrenchDays = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    private static readonly string[] EnglishMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private static readonly string[] FrenchMonths = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

    public static LocalDate ParseDate(string text) => LocalDatePattern.Iso.Parse(text).GetValueOrThrow();

    /// <summary>A local time of the API: 2012-12-05T10:30 (seconds optional).</summary>
    public static LocalDateTime ParseLocal(string text) =>
        TryParseLocal(text, out var value) ? value : LocalDateTimePattern.ExtendedIso.Parse(text).GetValueOrThrow();

    /// <summary>A local time as the API and forms write it (2012-12-05T10:30), or false.</summary>
    public static bool TryParseLocal(string? text, out LocalDateTime value)
    {
        var result = LocalMinutes.Parse(text ?? "");
        value = result.Success ? result.Value : default;
        return result.Success;
    }

    private static readonly LocalDateTimePattern LocalMinutes = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");

    /// <summary>"Wednesday 5 December 2012", "mercredi 5 décembre 2012".</summary>
    public static string Day(LocalDate date, Lang lang)
    {
        var days = lang.IsFrench ? FrenchDays : EnglishDays;
        var months = lang.IsFrench ? FrenchMonths : EnglishMonths;
        var day = lang.IsFrench && date.Day == 1 ? "1er" : date.Day.ToString(CultureInfo.InvariantCulture);
        return $"{days[(int)date.DayOfWeek - 1]} {day} {months[date.Month - 1]} {date.Year.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>One day, or "from ... to ..." in words.</summary>
    public static string Days(LocalDate first, LocalDate last, Lang lang) =>
        first == last ? Day(first, lang) : DesignText.Get("DatesFromTo", lang).Replace("{0}", Day(first, lang), StringComparison.Ordinal).Replace("{1}", Day(last, lang), StringComparison.Ordinal);

    /// <summary>"10:30" in English, "10 h 30" in French.</summary>
    public static string Time(LocalTime time, Lang lang) => lang.IsFrench
        ? $"{time.Hour.ToString(CultureInfo.InvariantCulture)} h {time.Minute.ToString("00", CultureInfo.InvariantCulture)}"
        : time.ToString("HH':'mm", CultureInfo.InvariantCulture);

    /// <summary>"10:30–12:30 CET".</summary>
    public static string Span(LocalDateTime start, LocalDateTime end, string zone, Lang lang) =>
        $"{Time(start.TimeOfDay, lang)}–{Time(end.TimeOfDay, lang)} {Abbreviation(zone, start)}";

    /// <summary>The zone's abbreviation at that local time (CET, EST), or its offset when it has none.</summary>
    public static string Abbreviation(string zone, LocalDateTime at)
    {
        var tz = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone);
        if (tz is null)
        {
            return zone;
        }

        var interval = tz.GetZoneInterval(at.InZoneLeniently(tz).ToInstant());
        return interval.Name.All(char.IsLetter) ? interval.Name : "UTC" + Offset(interval.WallOffset);
    }

    /// <summary>"Europe/Brussels (UTC+01:00)": the zone named, as the page's times are given in it.</summary>
    public static string ZoneName(string zone, LocalDate on)
    {
        var tz = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone);
        return tz is null ? zone : $"{zone} (UTC{Offset(tz.GetUtcOffset(on.AtMidnight().InZoneLeniently(tz).ToInstant()))})";
    }

    private static string Offset(Offset offset) => OffsetPattern.CreateWithInvariantCulture("+HH:mm").Format(offset);

    /// <summary>The day an instant of the API (2012-12-05T11:00:00Z) falls on in the conference's zone.</summary>
    public static LocalDate DayOf(string instant, string zone)
    {
        var tz = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) ?? DateTimeZone.Utc;
        return InstantPattern.ExtendedIso.Parse(instant).GetValueOrThrow().InZone(tz).Date;
    }

    /// <summary>Today where the conference is.</summary>
    public static LocalDate Today(string zone, IClock clock)
    {
        var tz = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) ?? DateTimeZone.Utc;
        return clock.GetCurrentInstant().InZone(tz).Date;
    }
}
