using System.Text;
using Ical.Net;
using NodaTime;

namespace Forum.Api.Tests.Calendars;

/// <summary>
/// Ical.Net 5.2.4, the calendar library of .NET code, reading what we write: a second independent reader beside
/// ical.js. Its reader takes an event's TZID to its own copy of the IANA database and reads no VTIMEZONE, so
/// <see cref="InstantIn"/> applies a feed's VTIMEZONE as a client that trusts it would, with Ical.Net's recurrence engine.
/// </summary>
public static class IcalNet
{
    /// <summary>The feed as Ical.Net loads it; the bytes must be valid UTF-8 (a split sequence fails here).</summary>
    public static Calendar Load(byte[] feed) =>
        Calendar.Load(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(feed)) ?? throw new InvalidOperationException("Ical.Net read no calendar");

    /// <summary>
    /// The instant of a local date-time by the calendar's VTIMEZONE of that TZID: the observances' onsets as Ical.Net
    /// evaluates their DTSTART, RRULE and RDATE, each read in its TZOFFSETFROM; the local time's instant is the one at
    /// which the last onset before it gives the offset it was read with. Null when no onset precedes it (the
    /// VTIMEZONE does not reach back to that date) or no offset fits.
    /// </summary>
    public static Instant? InstantIn(Calendar calendar, string tzid, LocalDateTime local)
    {
        var zone = calendar.TimeZones.Single(z => z.TzId == tzid);
        var horizon = local.PlusYears(2).ToDateTimeUnspecified();
        var onsets = zone.TimeZoneInfos
            .SelectMany(info => info.GetOccurrences()
                .Select(o => o.Period.StartTime.Value)
                .TakeWhile(start => start < horizon)
                .Select(start => (Utc: Instant.FromDateTimeOffset(new DateTimeOffset(start, info.OffsetFrom!.Offset)), To: info.OffsetTo!.Offset)))
            .OrderBy(o => o.Utc)
            .ToList();
        foreach (var offset in onsets.Select(o => o.To).Distinct())
        {
            var instant = Instant.FromDateTimeOffset(new DateTimeOffset(local.ToDateTimeUnspecified(), offset));
            var before = onsets.FindLastIndex(o => o.Utc <= instant);
            if (before >= 0 && onsets[before].To == offset)
            {
                return instant;
            }
        }

        return null;
    }
}
