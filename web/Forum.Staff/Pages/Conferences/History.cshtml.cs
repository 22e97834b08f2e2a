using System.Text.Json;
using System.Text.RegularExpressions;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Conferences;

/// <summary>The conference's audit trail: who, when, what and why, filtered by kind of change and by person.</summary>
public sealed partial class HistoryModel(StaffApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    [FromQuery]
    public string? Kind { get; set; }

    [FromQuery]
    public string? Person { get; set; }

    public IReadOnlyList<HistoryEntry> Entries { get; private set; } = [];

    public IReadOnlyList<(string, string)> Kinds { get; private set; } = [];

    public IReadOnlyList<(string, string)> People { get; private set; } = [];

    /// <summary>Each session's latest title, so that an event names the session it is about.</summary>
    public IReadOnlyDictionary<Guid, string> Titles { get; private set; } = new Dictionary<Guid, string>();

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var history = api.HistoryAsync(slug, ct);
        if ((await conference).Value is not { } c)
        {
            return NotFound();
        }

        Conference = c;
        var all = (await history).Value ?? [];
        var any = Localisation.Text.Get("FilterAny", Lang.Of(HttpContext));
        Kinds = [("", any), .. all.Select(e => e.Type).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(t => (t, Words(t)))];
        People = [("", any), .. all.Select(e => e.Who).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(p => (p, p))];
        Titles = all.Where(e => e.SessionId is not null)
            .GroupBy(e => e.SessionId!.Value)
            .ToDictionary(g => g.Key, g => g.Select(Title).LastOrDefault(t => t is not null) ?? "");
        Entries = all.Where(e => (string.IsNullOrEmpty(Kind) || e.Type == Kind) && (string.IsNullOrEmpty(Person) || e.Who == Person))
            .OrderByDescending(e => e.Time).ToList();
        return Page();
    }

    /// <summary>"session-moved" (or "SessionMoved") → "Session moved".</summary>
    public static string Words(string type)
    {
        var words = Capitals().Replace(type, " $1").Replace('-', ' ').Replace("  ", " ", StringComparison.Ordinal).Trim().ToLowerInvariant();
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    public static string Describe(HistoryEntry e, IReadOnlyDictionary<Guid, string> titles) =>
        e.SessionId is { } id && titles.TryGetValue(id, out var title) && title.Length > 0 ? $"{Words(e.Type)}: {title}" : Words(e.Type);

    private static string? Title(HistoryEntry e) =>
        e.Data.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
        : e.Data.TryGetProperty("plan", out var p) && p.TryGetProperty("title", out var pt) ? pt.GetString() : null;

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex Capitals();
}
