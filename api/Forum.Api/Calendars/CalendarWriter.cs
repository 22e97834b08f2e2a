using System.Globalization;
using System.Text;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Calendars;

/// <summary>
/// Writes RFC 5545 content lines: CRLF line ends; lines folded at 75 octets of UTF-8, between characters, never
/// inside one (a fold walks runes, so an emoji or an accented letter is never split); TEXT values escaped
/// (backslash first, then ; , and line breaks as \n, other control characters dropped); parameter values quoted
/// when they hold : ; or , and never backslash-escaped; date-times in UTC with Z, or local with a TZID, never
/// floating.
/// </summary>
public sealed class CalendarWriter
{
    public const int MaxOctets = 75;

    private static readonly LocalDateTimePattern LocalPattern = LocalDateTimePattern.CreateWithInvariantCulture("yyyyMMdd'T'HHmmss");

    private readonly StringBuilder output = new();

    public CalendarWriter Begin(string component) => Raw("BEGIN", component);

    public CalendarWriter End(string component) => Raw("END", component);

    /// <summary>A property whose value is written as given (already in its value type's syntax).</summary>
    public CalendarWriter Raw(string name, string value, params (string Name, string Value)[] parameters)
    {
        var line = new StringBuilder(name);
        foreach (var (parameter, parameterValue) in parameters)
        {
            line.Append(';').Append(parameter).Append('=').Append(ParameterValue(parameterValue));
        }

        line.Append(':').Append(value);
        Fold(line.ToString());
        return this;
    }

    /// <summary>A TEXT property (SUMMARY, DESCRIPTION, LOCATION, ...), escaped.</summary>
    public CalendarWriter Text(string name, string value, params (string Name, string Value)[] parameters) => Raw(name, EscapeText(value), parameters);

    /// <summary>A DATE-TIME in UTC: 20121205T153000Z.</summary>
    public CalendarWriter Utc(string name, Instant instant) => Raw(name, FormatUtc(instant));

    /// <summary>A DATE-TIME in a time zone: DTSTART;TZID=Europe/Brussels:20121205T163000 (the zone needs its VTIMEZONE).</summary>
    public CalendarWriter Zoned(string name, LocalDateTime local, string tzid) => Raw(name, LocalPattern.Format(local), ("TZID", tzid));

    public static string FormatUtc(Instant instant) => LocalPattern.Format(instant.InUtc().LocalDateTime) + "Z";

    /// <summary>A local date-time as VTIMEZONE sub-components write their onsets (relative to their TZOFFSETFROM).</summary>
    public static string FormatLocal(LocalDateTime local) => LocalPattern.Format(local);

    /// <summary>A UTC offset as +HHMM, or +HHMMSS when it has seconds (some historical offsets do).</summary>
    public static string FormatOffset(Offset offset)
    {
        var seconds = offset.Seconds;
        var sign = seconds < 0 ? "-" : "+";
        seconds = Math.Abs(seconds);
        var text = string.Create(CultureInfo.InvariantCulture, $"{sign}{seconds / 3600:D2}{seconds / 60 % 60:D2}");
        return seconds % 60 == 0 ? text : text + (seconds % 60).ToString("D2", CultureInfo.InvariantCulture);
    }

    /// <summary>Backslash first, then ; and , escaped; CR LF, CR and LF as \n; other control characters dropped.</summary>
    public static string EscapeText(string value)
    {
        var text = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case ';':
                    text.Append(@"\;");
                    break;
                case ',':
                    text.Append(@"\,");
                    break;
                case '\r':
                    text.Append(@"\n");
                    if (i + 1 < value.Length && value[i + 1] == '\n')
                    {
                        i++;
                    }

                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                default:
                    if (!char.IsControl(c))
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Quoted when it holds : ; or , (a parameter value cannot be escaped); double quotes and control characters, which it cannot hold at all, dropped.</summary>
    public static string ParameterValue(string value)
    {
        var clean = new string(value.Where(c => c != '"' && !char.IsControl(c)).ToArray());
        return clean.IndexOfAny([':', ';', ',']) >= 0 ? $"\"{clean}\"" : clean;
    }

    /// <summary>Appends one content line, folded: at most 75 octets per line (CRLF not counted), the continuation's leading space included.</summary>
    private void Fold(string line)
    {
        var octets = 0;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in line.EnumerateRunes())
        {
            var size = rune.EncodeToUtf8(buffer);
            if (octets + size > MaxOctets)
            {
                output.Append("\r\n ");
                octets = 1;
            }

            output.Append(rune.ToString());
            octets += size;
        }

        output.Append("\r\n");
    }

    public override string ToString() => output.ToString();

    public byte[] ToUtf8() => Encoding.UTF8.GetBytes(output.ToString());
}
