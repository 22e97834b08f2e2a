using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Agenda;

public sealed class SessionForm
{
    public string? Kind { get; set; } = "Plenary";

    public string? Title { get; set; }

    public string? Description { get; set; }

    public Guid? RoomId { get; set; }

    public string? Start { get; set; }

    public string? End { get; set; }

    public string? Chair { get; set; }

    /// <summary>One speaker per line.</summary>
    public string? Speakers { get; set; }

    public bool IsPublic { get; set; } = true;

    public string? ExpectedAttendance { get; set; }

    public SessionRequest ToRequest() => new(
        Kind, Title?.Trim(), string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), RoomId, Start, End,
        string.IsNullOrWhiteSpace(Chair) ? null : Chair.Trim(),
        (Speakers ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), IsPublic,
        int.TryParse(ExpectedAttendance, out var n) ? n : null);

    public static SessionForm Of(Session s) => new()
    {
        Kind = s.Kind, Title = s.Title, Description = s.Description, RoomId = s.RoomId, Start = s.Start[..16], End = s.End[..16], Chair = s.Chair,
        Speakers = string.Join('\n', s.Speakers ?? []), IsPublic = s.IsPublic, ExpectedAttendance = s.ExpectedAttendance?.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// Schedules a session, or changes one (moves, re-rooms, renames...) with its revision in If-Match. When someone else
/// changed it meanwhile, the page shows both versions and the organiser chooses: nothing is overwritten unseen.
/// </summary>
public sealed class SessionModel(StaffApi api) : PageModel
{
    public static readonly string[] Kinds = ["Plenary", "Ministerial", "Panel", "Workshop", "SigningCeremony", "PressConference", "SideEvent", "Break", "Social"];

    /// <summary>The API's field names → the inputs of this form.</summary>
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["kind"] = "kind", ["title"] = "title", ["description"] = "description", ["roomId"] = "room", ["start"] = "start", ["end"] = "end",
        ["chair"] = "chair", ["speakers"] = "speakers", ["expectedAttendance"] = "attendance",
    };

    /// <summary>Refusals of the whole change → the field that can fix them.</summary>
    private static readonly Dictionary<string, string> CodeFields = new(StringComparer.Ordinal)
    {
        ["room_double_booked"] = "room", ["person_double_booked"] = "speakers", ["room_too_small"] = "attendance", ["outside_conference"] = "start",
        ["nonexistent_local_time"] = "start", ["unknown_room"] = "room", ["end_before_start"] = "end", ["session_cancelled"] = "",
    };

    public Conference Conference { get; private set; } = null!;

    public IReadOnlyList<Room> Rooms { get; private set; } = [];

    [BindProperty]
    public SessionForm Form { get; set; } = new();

    [BindProperty]
    public long Revision { get; set; }

    public Guid? Id { get; private set; }

    /// <summary>The session as it now stands, when another change came first (412): shown beside the organiser's own.</summary>
    public Session? Theirs { get; private set; }

    public string? TheirsBy { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public string? ErrorFor(string id) => Errors.FirstOrDefault(e => e.FieldId == id)?.Message;

    public async Task<IActionResult> OnGetAsync(string slug, Guid? id, string? day, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct))
        {
            return NotFound();
        }

        Id = id;
        if (id is { } sessionId)
        {
            var answer = await api.SessionAsync(slug, sessionId, ct);
            if (answer.Value is not { } session)
            {
                return NotFound();
            }

            Form = SessionForm.Of(session);
            Revision = answer.Version ?? session.Revision;
        }
        else
        {
            var date = day ?? Conference.FirstDay;
            Form = new SessionForm { Start = $"{date}T09:00", End = $"{date}T10:00", RoomId = (Rooms.Count > 0 ? Rooms[0].Id : null) };
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, Guid? id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct))
        {
            return NotFound();
        }

        Id = id;
        var request = Form.ToRequest();
        Session? before = null;
        if (id is { } existing)
        {
            before = (await api.SessionAsync(slug, existing, ct)).Value;
        }

        var answer = id is { } sessionId ? await api.ChangeAsync(slug, sessionId, request, Revision, ct) : await api.ScheduleAsync(slug, request, ct);
        if (answer.Ok)
        {
            var saved = answer.Value!;
            BoardModel.Remember(TempData, new UndoStep(saved.Id, saved.Title, before is null ? null : SessionRequest.Of(before), answer.Version ?? saved.Revision));
            return RedirectToPage("/Agenda/Board", new { slug, day = saved.Start[..10] });
        }

        var lang = Lang.Of(HttpContext);
        if (answer.Stale && id is { } changed)
        {
            // Someone else's change came first: theirs is shown beside this one, and the next save is made against theirs.
            var current = await api.SessionAsync(slug, changed, ct);
            Theirs = current.Value;
            Revision = current.Version ?? Theirs?.Revision ?? Revision;
            var history = (await api.HistoryAsync(slug, ct)).Value ?? [];
            TheirsBy = history.LastOrDefault(h => h.SessionId == changed)?.Who;
            Errors = [new FieldError("", Localisation.Text.Get("SessionConflict", lang))];
            return Page();
        }

        Errors = ProblemFields.ToFields(answer.Problem!, Fields, key => Localisation.Text.Find(key, lang), CodeFields);
        return Page();
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var agenda = api.WorkingAgendaAsync(slug, ct);
        if ((await conference).Value is not { } c)
        {
            return false;
        }

        Conference = c;
        Rooms = (await agenda).Value?.Rooms ?? [];
        return true;
    }
}
