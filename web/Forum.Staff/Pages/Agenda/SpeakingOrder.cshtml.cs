using System.Text.Json;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Agenda;

/// <summary>One turn as the page shows it: whether it joined after the order was fixed, and the whole orders its Up and Down buttons post.</summary>
public sealed record TourRow(SpeakerTurn Turn, bool LaterJoiner, string? Up, string? Down);

/// <summary>
/// The tour de table of a ministerial session: the order in force (computed by protocol, or fixed by hand), changed by
/// posting the whole new order with the session's revision in If-Match. A change made meanwhile is never overwritten:
/// the page then shows the order as it now stands.
/// </summary>
public sealed class SpeakingOrderModel(StaffApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public Session Session { get; private set; } = null!;

    public long Revision { get; private set; }

    public IReadOnlyList<TourRow> Rows { get; private set; } = [];

    /// <summary>The order was fixed by hand and is in force (the session's own speakingOrder lists it).</summary>
    public bool Fixed { get; private set; }

    public HistoryEntry? FixedBy { get; private set; }

    public string? Message { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        Message = TempData["message"] as string;
        return await LoadAsync(slug, id, ct) ? Page() : NotFound();
    }

    /// <summary>Up, Down and the script's Save all post the whole order, comma-separated, against the revision the page showed.</summary>
    public async Task<IActionResult> OnPostAsync(string slug, Guid id, string? order, long revision, CancellationToken ct)
    {
        var ids = (order ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => Guid.TryParse(x, out var g) ? g : Guid.Empty).ToList();
        if (ids.Count == 0 || ids.Contains(Guid.Empty))
        {
            return BadRequest();
        }

        var lang = Lang.Of(HttpContext);
        var answer = await api.FixSpeakingOrderAsync(slug, id, ids, revision, ct);
        if (answer.Ok)
        {
            TempData["message"] = Localisation.Text.Get("TourSaved", lang);
            return RedirectToPage(new { slug, id });
        }

        Errors = answer.Problem switch
        {
            { Status: 412 } => [new FieldError("", Localisation.Text.Get("TourStale", lang))],
            // Floor requests do not raise the session's revision until an order is fixed: a delegation that asked for
            // the floor, or left, since the page was shown makes the posted order incomplete rather than stale.
            { Code: "speaking_order_incomplete" or "not_entitled_to_speak" } => [new FieldError("", Localisation.Text.Get("TourChangedMeanwhile", lang))],
            { } problem => ProblemFields.ToFields(problem, new Dictionary<string, string>(), key => Localisation.Text.Find(key, lang)),
            null => [],
        };
        return await LoadAsync(slug, id, ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string slug, Guid id, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var session = api.SessionAsync(slug, id, ct);
        var history = api.HistoryAsync(slug, ct);
        var answer = await session;
        if ((await conference).Value is not { } c || answer.Value is not { Kind: "Ministerial" } s)
        {
            return false;
        }

        Conference = c;
        Session = s;
        Revision = answer.Version ?? s.Revision;
        Fixed = s.SpeakingOrder is { Count: > 0 };
        var events = ((await history).Value ?? []).Where(e => e.SessionId == id).ToList();
        var joiners = LaterJoiners(events, out var fixedBy);
        if (!Fixed)
        {
            // Every fixed delegation left: the order is computed again, and nobody joined anything.
            joiners.Clear();
            fixedBy = null;
        }

        FixedBy = fixedBy;
        var turns = s.TourDeTable ?? [];
        var order = turns.Select(t => t.DelegationId).ToList();
        Rows = turns.Select((t, i) => new TourRow(
            t, joiners.Contains(t.DelegationId), i == 0 ? null : Swapped(order, i - 1), i == turns.Count - 1 ? null : Swapped(order, i))).ToList();
        return true;
    }

    /// <summary>
    /// Delegations that joined the order after it was last fixed by hand and are still in it: the API records each as
    /// speaking-order-joined (or -left) in the session's history; the session's view lists them alike.
    /// </summary>
    public static HashSet<Guid> LaterJoiners(IReadOnlyList<HistoryEntry> sessionEvents, out HistoryEntry? fixedBy)
    {
        var joined = new HashSet<Guid>();
        fixedBy = null;
        foreach (var e in sessionEvents.OrderBy(e => e.Time).ThenBy(e => e.Version))
        {
            switch (e.Type)
            {
                case "speaking-order-fixed":
                    fixedBy = e;
                    joined.Clear();
                    break;
                case "speaking-order-joined" when DelegationOf(e) is { } d:
                    joined.Add(d);
                    break;
                case "speaking-order-left" when DelegationOf(e) is { } d:
                    joined.Remove(d);
                    break;
            }
        }

        return joined;
    }

    private static Guid? DelegationOf(HistoryEntry e) =>
        e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("delegationId", out var d) && d.TryGetGuid(out var g) ? g : null;

    /// <summary>The whole order with the turns at <paramref name="i"/> and the next one exchanged.</summary>
    private static string Swapped(List<Guid> order, int i)
    {
        var copy = order.ToList();
        (copy[i], copy[i + 1]) = (copy[i + 1], copy[i]);
        return string.Join(',', copy);
    }
}
