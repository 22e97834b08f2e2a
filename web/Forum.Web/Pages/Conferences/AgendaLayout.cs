using System.Globalization;
using System.Text;
using Forum.Web.Api;
using Forum.Web.Localisation;
using NodaTime;

namespace Forum.Web.Pages.Conferences;

/// <summary>One session placed in its day's grid: rows are 5-minute steps from the day's first hour, columns are rooms.</summary>
public sealed record PlacedSession(Session Session, LocalDateTime Start, LocalDateTime End, int Column, int FirstRow, int LastRow);

/// <summary>
/// A day of the agenda, laid out once for both presentations: a list in time order (phones), and the same list
/// placed on a grid of rooms and times (wide screens) by CSS rules written here, carried by the page's nonce'd style.
/// </summary>
public sealed record AgendaDayLayout(string Id, LocalDate Date, IReadOnlyList<string> Rooms, IReadOnlyList<(int Hour, int Row)> Hours, IReadOnlyList<PlacedSession> Sessions)
{
    private const int MinutesPerRow = 5;

    public static AgendaDayLayout Of(AgendaDay day)
    {
        var date = Dates.ParseDate(day.Date);
        var rooms = day.Rooms.Where(r => r.Sessions.Count > 0).ToList();
        var sessions = rooms.SelectMany((room, column) => room.Sessions.Select(s => (s, column))).ToList();
        var id = "day-" + day.Date;
        if (sessions.Count == 0)
        {
            return new AgendaDayLayout(id, date, [], [], []);
        }

        var parsed = sessions.Select(x => (x.s, x.column, Start: Dates.ParseLocal(x.s.Start), End: Dates.ParseLocal(x.s.End))).ToList();
        var firstHour = parsed.Min(x => x.Start.Date == date ? x.Start.Hour : 0);
        var origin = date.At(new LocalTime(firstHour, 0));
        var endOfDay = date.PlusDays(1).AtMidnight();
        int Row(LocalDateTime t) => 2 + (int)(Period.Between(origin, t < endOfDay ? t : endOfDay, PeriodUnits.Minutes).Minutes / MinutesPerRow);
        var placed = parsed
            .Select(x => new PlacedSession(x.s, x.Start, x.End, 2 + x.column, Math.Max(2, Row(x.Start)), Math.Max(Row(x.Start) + 1, Row(x.End))))
            .OrderBy(p => p.Start).ThenBy(p => p.Column).ToList();
        var lastRow = placed.Max(p => p.LastRow);
        var hours = Enumerable.Range(firstHour, 24 - firstHour)
            .Select(h => (Hour: h, Row: 2 + ((h - firstHour) * 60 / MinutesPerRow)))
            .Where(h => h.Row < lastRow).ToList();
        return new AgendaDayLayout(id, date, rooms.Select(r => r.RoomName).ToList(), hours, placed);
    }

    /// <summary>The grid's placement rules, for wide screens only (phones read the plain list).</summary>
    public string Css()
    {
        if (Sessions.Count == 0)
        {
            return "";
        }

        static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        var css = new StringBuilder();
        css.Append('#').Append(Id).Append(" .agenda-grid{grid-template-columns:4rem repeat(").Append(N(Rooms.Count)).Append(",minmax(10rem,1fr))}");
        for (var i = 0; i < Rooms.Count; i++)
        {
            css.Append('#').Append(Id).Append(" .room-").Append(N(i)).Append("{grid-column:").Append(N(i + 2)).Append('}');
        }

        foreach (var (hour, row) in Hours)
        {
            css.Append('#').Append(Id).Append(" .hour-").Append(N(hour)).Append("{grid-row:").Append(N(row)).Append(" / span ").Append(N(60 / MinutesPerRow)).Append('}');
        }

        foreach (var p in Sessions)
        {
            css.Append("#session-").Append(N(p.Session.Number)).Append("{grid-column:").Append(N(p.Column))
                .Append(";grid-row:").Append(N(p.FirstRow)).Append(" / ").Append(N(p.LastRow)).Append('}');
        }

        return css.ToString();
    }
}
