using System.Globalization;
using System.Text.Json;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using NodaTime;

namespace Forum.Staff.Pages.Agenda;

/// <summary>
/// The last change the board made, kept so that it can be undone by a new change through the API: the session as it was
/// (Before), its cancellation when it was added (no Before), or the cancellation taken back (Cancelled).
/// </summary>
public sealed record UndoStep(Guid SessionId, string Title, SessionRequest? Before, long Revision, bool Cancelled = false);

/// <summary>
/// The agenda board: per day, rooms by time, showing the working agenda. Every change goes through the API with the
/// session's revision in If-Match; a change made by someone else meanwhile is never overwritten.
/// </summary>
public sealed class BoardModel(StaffApi api, BoardLayouts layouts) : PageModel
{
    public const string UndoKey = "undo";

    public BoardLayout Layout { get; private set; } = null!;

    public UndoStep? Undo { get; private set; }

    public string? Message { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

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

        var answer = step switch
        {
            { Cancelled: true } => await api.ReinstateSessionAsync(slug, step.SessionId, step.Revision, ct),
            { Before: { } before } => await api.ChangeAsync(slug, step.SessionId, before, step.Revision, ct),
            _ => await api.CancelSessionAsync(slug, step.SessionId, Localisation.Text.Get("UndoReason", lang), step.Revision, ct),
        };
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
        var wanted = day is not null && NodaTime.Text.LocalDatePattern.Iso.Parse(day).Success ? day : null;
        if (await layouts.LoadAsync(api, slug, wanted, ct) is not { } layout)
        {
            return false;
        }

        Layout = layout;
        Undo = TempData.Peek(UndoKey) is string json ? JsonSerializer.Deserialize<UndoStep>(json) : null;
        Message = TempData["message"] as string;
        // The grid's placements, allowed by their hash in the Content-Security-Policy.
        SecurityHeaders.AllowStyle(HttpContext, layout.GridStyle);
        return true;
    }
}

public sealed class RoomForm
{
    public string? Name { get; set; }

    public string? Capacity { get; set; }

    public string? Interpretation { get; set; }
}
