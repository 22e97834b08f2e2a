using System.Globalization;
using System.Text;
using Forum.Staff.Api;
using Microsoft.Extensions.Caching.Memory;
using NodaTime;

namespace Forum.Staff.Pages.Agenda;

/// <summary>One session on the board: where it sits in the grid, and what the organiser should see at a glance.</summary>
public sealed record BoardCard(Session Session, int Column, int RowStart, int RowEnd, string? Change, string? ChangedBy, DateTimeOffset? ChangedAt);

/// <summary>A day of the board laid out as a grid of rooms by quarter hours, with the grid's placements as CSS.</summary>
public sealed record BoardLayout(
    string? ETag,
    string Slug,
    string Title,
    IReadOnlyList<LocalDate> Days,
    LocalDate Day,
    LocalTime DayStart,
    int Slots,
    IReadOnlyList<Room> Rooms,
    IReadOnlyList<BoardCard> Cards,
    int? PublishedVersion,
    string GridStyle)
{
    public const int SlotMinutes = 15;

    public static BoardLayout Of(AgendaBoard board, string? etag)
    {
        var first = Dates.ParseDate(board.FirstDay);
        var last = Dates.ParseDate(board.LastDay);
        var days = Enumerable.Range(0, Period.Between(first, last, PeriodUnits.Days).Days + 1).Select(first.PlusDays).ToList();
        var sessions = board.Sessions;
        // The day shows 08:00 to 18:00 at least, widened to whole hours around its earliest and latest sessions.
        var earliest = sessions.Count == 0 ? new LocalTime(9, 0) : sessions.Min(s => Dates.ParseLocal(s.Session.Start).TimeOfDay);
        var latest = sessions.Count == 0 ? new LocalTime(18, 0) : sessions.Max(s => Dates.ParseLocal(s.Session.End).TimeOfDay);
        var dayStart = new LocalTime(Math.Min(earliest.Hour, 8), 0);
        var endMinutes = Math.Max((latest.Hour * 60) + latest.Minute, 18 * 60);
        endMinutes = Math.Min(24 * 60, (endMinutes + 59) / 60 * 60);
        var slots = (endMinutes - (dayStart.Hour * 60)) / SlotMinutes;
        int Row(LocalTime time) => Math.Clamp((((time.Hour * 60) + time.Minute - (dayStart.Hour * 60)) / SlotMinutes) + 2, 2, slots + 1);

        var columns = board.Rooms.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i + 2);
        var cards = sessions.Select(b =>
        {
            var start = Dates.ParseLocal(b.Session.Start);
            var end = Dates.ParseLocal(b.Session.End);
            var row = Row(start.TimeOfDay);
            var rowEnd = end.Date > start.Date ? slots + 2 : Math.Max(row + 1, Row(end.TimeOfDay));
            return new BoardCard(b.Session, columns.GetValueOrDefault(b.Session.RoomId, 2), row, rowEnd, b.Change,
                b.ChangedBy is null ? null : HistoryEntry.NameOf(b.ChangedBy), b.ChangedAt);
        }).ToList();

        var css = new StringBuilder();
        css.Append(CultureInfo.InvariantCulture, $".board-grid{{grid-template-columns:4.5rem repeat({Math.Max(1, board.Rooms.Count)},minmax(9rem,1fr));grid-template-rows:auto repeat({slots},1.6rem)}}");
        for (var i = 0; i < slots; i += 4)
        {
            css.Append(CultureInfo.InvariantCulture, $".t{i}{{grid-row:{i + 2}/span 4}}");
        }

        foreach (var card in cards)
        {
            css.Append(CultureInfo.InvariantCulture, $".s{card.Session.Number}{{grid-column:{card.Column};grid-row:{card.RowStart}/{card.RowEnd}}}");
        }

        return new BoardLayout(etag, board.ConferenceSlug, board.Title, days, Dates.ParseDate(board.Day), dayStart, slots, board.Rooms, cards, board.PublishedVersion, css.ToString());
    }
}

/// <summary>
/// The board is read at every view and moves, and laying out a busy day is the costly part. Each view still asks the
/// API (with the person's own token, so every view is authorised and current), but with the ETag of the layout kept
/// here: while the agenda is unchanged the API answers 304 and the layout is used again. Keyed by conference and day;
/// the ETag makes a layout from before any change, by anyone through any process, unusable.
/// </summary>
public sealed class BoardLayouts : IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 64L * 1024 * 1024 });

    /// <summary>The day's layout (the first day when <paramref name="day"/> is not one of the conference's); null when the API knows no such conference.</summary>
    public async Task<BoardLayout?> LoadAsync(StaffApi api, string slug, string? day, CancellationToken ct)
    {
        var key = (slug, day ?? "");
        var known = cache.Get<BoardLayout>(key);
        var answer = await api.BoardAsync(slug, day, known?.ETag, ct);
        if (answer is null || answer.Problem is not null)
        {
            cache.Remove(key);
            return answer?.Problem?.Status == 400 && day is not null ? await LoadAsync(api, slug, null, ct) : null;
        }

        if (answer.Body is null && known is not null)
        {
            return known;
        }

        var layout = BoardLayout.Of(ApiClient.Parse<AgendaBoard>(answer.Body!), answer.ETag);
        if (answer.ETag is not null)
        {
            // Laid-out objects weigh several times their JSON.
            cache.Set(key, layout, new MemoryCacheEntryOptions { Size = answer.Body!.Length * 4L, SlidingExpiration = TimeSpan.FromMinutes(30) });
        }

        return layout;
    }

    public void Dispose() => cache.Dispose();
}
