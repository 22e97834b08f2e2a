using System.Globalization;
using System.Text;
using System.Text.Json;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using NodaTime;

namespace Forum.Staff.Pages.Agenda;

/// <summary>One session on the board: where it sits in the grid, and what the organiser should see at a glance.</summary>
public sealed record BoardCard(Session Session, int Column, int RowStart, int RowEnd, string? Change, string? ChangedBy, DateTimeOffset? ChangedAt);

/// <summary>The last change the board made, kept so that it can be undone by a new change through the API.</summary>
public sealed record UndoStep(Guid SessionId, string Title, SessionRequest? Before, long Revision);

/// <summary>
/// The agenda board: per day, rooms by time, showing the working agenda. Every change goes through the API with the
/// session's revision in If-Match; a change made by someone else meanwhile is never overwritten.
/// </summary>
public sealed class BoardModel(StaffApi api) : PageModel
{
    public const int SlotMinutes = 15;

    public const string UndoKey = "undo";

    public Conference Conference { get; private set; } = null!;

    public Forum.Design.Api.Agenda Agenda { get; private set; } = null!;

    public IReadOnlyList<Room> Rooms { get; private set; } = [];

    public IReadOnlyList<LocalDate> Days { get; private set; } = [];

    public LocalDate Day { get; private set; }

    public LocalTime DayStart { get; private set; }

    public int Slots { get; private set; }

    public IReadOnlyList<BoardCard> Cards { get; private set; } = [];

    public int? PublishedVersion { get; private set; }

    public UndoStep? Undo { get; private set; }

    public string? Message { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    /// <summary>The grid's placements, allowed by its hash in the Content-Security-Policy.</summary>
    public string GridStyle { get; private set; } = "";

    [BindProperty]
    public RoomForm Room { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(string slug, string? day, CancellationToken ct) =>
        await LoadAsync(slug, day, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddRoomAsync(string slug, string? day, CancellationToken ct)
    {
        var answer = await api.AddRoomAsync(slug, new RoomRequest(Room.Name?.Trim(), int.TryParse(Room.Capacity, out var c) ? c : null,
            (Room.Interpretation ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), ct);
        if (answer.Ok)
        {
            return RedirectToPage(new { slug, day });
        }

        var lang = Lang.Of(HttpContext);
        Errors = ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string> { ["name"] = "room-name", ["capacity"] = "room-capacity", ["interpretation"] = "room-interpretation" },
            key => Localisation.Text.Find(key, lang), new Dictionary<string, string> { ["room_exists"] = "room-name" });
        return await LoadAsync(slug, day, ct) ? Page() : NotFound();
    }

    /// <summary>
    /// A move from the board's script (dragged, or by keyboard): the session keeps its length and lands in the room and
    /// at the start given. Answers JSON for the script; the board reloads to show the agenda as it now stands.
    /// </summary>
    public async Task<IActionResult> OnPostMoveAsync(string slug, Guid id, Guid room, string start, long revision, CancellationToken ct)
    {
        var lang = Lang.Of(HttpContext);
        var current = await api.SessionAsync(slug, id, ct);
        if (current.Value is not { } session)
        {
            return NotFound();
        }

        if (current.Version != revision)
        {
            return new JsonResult(new { ok = false, conflict = true, message = Localisation.Text.Get("MoveConflict", lang) });
        }

        var length = Dates.ParseLocal(session.End) - Dates.ParseLocal(session.Start);
        if (!Dates.TryParseLocal(start, out var newStart))
        {
            return BadRequest();
        }

        var request = SessionRequest.Of(session) with { RoomId = room, Start = Format(newStart), End = Format(newStart.Plus(length)) };
        var answer = await api.ChangeAsync(slug, id, request, revision, ct);
        if (answer.Ok)
        {
            Remember(new UndoStep(id, session.Title, SessionRequest.Of(session), answer.Version ?? answer.Value!.Revision));
            return new JsonResult(new { ok = true });
        }

        if (answer.Stale)
        {
            return new JsonResult(new { ok = false, conflict = true, message = Localisation.Text.Get("MoveConflict", lang) });
        }

        var error = ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string>(), key => Localisation.Text.Find(key, lang))[0];
        return new JsonResult(new { ok = false, message = error.Message });
    }

    /// <summary>Undoes the board's last change with a new change: the session as it was, or cancelled when it was added.</summary>
    public async Task<IActionResult> OnPostUndoAsync(string slug, string? day, CancellationToken ct)
    {
        var lang = Lang.Of(HttpContext);
        var step = TempData.Peek(UndoKey) is string json ? JsonSerializer.Deserialize<UndoStep>(json) : null;
        if (step is null)
        {
            return RedirectToPage(new { slug, day });
        }

        var answer = step.Before is { } before
            ? await api.ChangeAsync(slug, step.SessionId, before, step.Revision, ct)
            : await api.CancelSessionAsync(slug, step.SessionId, Localisation.Text.Get("UndoReason", lang), step.Revision, ct);
        TempData.Remove(UndoKey);
        if (answer.Ok)
        {
            TempData["message"] = Localisation.Text.Get("Undone", lang).Replace("{0}", step.Title, StringComparison.Ordinal);
            return RedirectToPage(new { slug, day });
        }

        Errors = [new FieldError("", answer.Stale ? Localisation.Text.Get("UndoStale", lang) : ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string>(), key => Localisation.Text.Find(key, lang))[0].Message)];
        return await LoadAsync(slug, day, ct) ? Page() : NotFound();
    }

    /// <summary>Keeps the board's last change for its undo button (in TempData: the person's own encrypted cookie).</summary>
    public static void Remember(ITempDataDictionary tempData, UndoStep step) => tempData[UndoKey] = JsonSerializer.Serialize(step);

    private void Remember(UndoStep step) => Remember(TempData, step);

    public static string Format(LocalDateTime t) => t.ToString("uuuu'-'MM'-'dd'T'HH':'mm", CultureInfo.InvariantCulture);

    private async Task<bool> LoadAsync(string slug, string? day, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var working = api.WorkingAgendaAsync(slug, ct);
        var published = api.PublishedAgendaAsync(slug, ct);
        var history = api.HistoryAsync(slug, ct);
        if ((await conference).Value is not { } c || (await working).Value is not { } agenda)
        {
            return false;
        }

        Conference = c;
        Agenda = agenda;
        Rooms = agenda.Rooms ?? [];
        var first = Dates.ParseDate(c.FirstDay);
        var last = Dates.ParseDate(c.LastDay);
        Days = Enumerable.Range(0, Period.Between(first, last, PeriodUnits.Days).Days + 1).Select(first.PlusDays).ToList();
        Day = day is not null && NodaTime.Text.LocalDatePattern.Iso.Parse(day) is { Success: true } d && Days.Contains(d.Value) ? d.Value : first;
        Undo = TempData.Peek(UndoKey) is string json ? JsonSerializer.Deserialize<UndoStep>(json) : null;
        Message = TempData["message"] as string;

        var before = (await published).Value;
        PublishedVersion = before?.Version;
        var was = before?.Sessions.ToDictionary(s => s.Id) ?? [];
        var lastChanges = LastChanges((await history).Value ?? []);

        var sessions = agenda.Sessions.Where(s => Dates.ParseLocal(s.Start).Date == Day).ToList();
        var earliest = sessions.Count == 0 ? new LocalTime(9, 0) : sessions.Min(s => Dates.ParseLocal(s.Start).TimeOfDay);
        var latest = sessions.Count == 0 ? new LocalTime(18, 0) : sessions.Max(s => Dates.ParseLocal(s.End).TimeOfDay);
        DayStart = new LocalTime(Math.Min(earliest.Hour, 8), 0);
        var endMinutes = Math.Max((latest.Hour * 60) + latest.Minute, 18 * 60);
        endMinutes = Math.Min(24 * 60, ((endMinutes + 59) / 60) * 60);
        Slots = (endMinutes - ((DayStart.Hour * 60) + DayStart.Minute)) / SlotMinutes;
        var columns = Rooms.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i + 2);
        Cards = sessions.Select(s =>
        {
            var start = Dates.ParseLocal(s.Start);
            var end = Dates.ParseLocal(s.End);
            var row = Row(start.TimeOfDay);
            var rowEnd = end.Date > start.Date ? Slots + 2 : Math.Max(row + 1, Row(end.TimeOfDay));
            lastChanges.TryGetValue(s.Id, out var changed);
            return new BoardCard(s, columns.GetValueOrDefault(s.RoomId, 2), row, rowEnd, ChangeSince(was, s), changed?.Who, changed?.Time);
        }).ToList();

        var css = new StringBuilder();
        css.Append(CultureInfo.InvariantCulture, $".board-grid{{grid-template-columns:4.5rem repeat({Math.Max(1, Rooms.Count)},minmax(9rem,1fr));grid-template-rows:auto repeat({Slots},1.6rem)}}");
        for (var i = 0; i < Slots; i += 4)
        {
            css.Append(CultureInfo.InvariantCulture, $".t{i}{{grid-row:{i + 2}/span 4}}");
        }

        foreach (var card in Cards)
        {
            css.Append(CultureInfo.InvariantCulture, $".s{card.Session.Number}{{grid-column:{card.Column};grid-row:{card.RowStart}/{card.RowEnd}}}");
        }

        GridStyle = css.ToString();
        SecurityHeaders.AllowStyle(HttpContext, GridStyle);
        return true;
    }

    public int Row(LocalTime time) => Math.Clamp((((time.Hour * 60) + time.Minute - (DayStart.Hour * 60) - DayStart.Minute) / SlotMinutes) + 2, 2, Slots + 1);

    /// <summary>What changed in a session since the latest published version, for its mark on the board.</summary>
    private static string? ChangeSince(Dictionary<Guid, Session> published, Session now)
    {
        if (!published.TryGetValue(now.Id, out var was))
        {
            return published.Count == 0 && now.Cancelled ? null : "added";
        }

        return (was, now) switch
        {
            _ when now.Cancelled && !was.Cancelled => "cancelled",
            _ when was.Start != now.Start || was.End != now.End => "moved",
            _ when was.RoomId != now.RoomId => "re-roomed",
            _ when was.Title != now.Title => "renamed",
            _ when was.Kind != now.Kind || was.Chair != now.Chair || was.IsPublic != now.IsPublic || was.Description != now.Description
                || !(was.Speakers ?? []).SequenceEqual(now.Speakers ?? []) => "changed",
            _ => null,
        };
    }

    private static Dictionary<Guid, HistoryEntry> LastChanges(IReadOnlyList<HistoryEntry> history)
    {
        var last = new Dictionary<Guid, HistoryEntry>();
        foreach (var entry in history)
        {
            if (entry.SessionId is { } id && (!last.TryGetValue(id, out var seen) || seen.Time <= entry.Time))
            {
                last[id] = entry;
            }
        }

        return last;
    }
}

public sealed class RoomForm
{
    public string? Name { get; set; }

    public string? Capacity { get; set; }

    public string? Interpretation { get; set; }
}
