using System.Text.Json;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;
using NodaTime.Text;

namespace Forum.Staff.Pages.Agenda;

/// <summary>One published version: when and by whom, and what changed from the one before, in sentences.</summary>
public sealed record VersionEntry(int Version, DateTimeOffset? PublishedAt, string? By, IReadOnlyList<string> Changes);

/// <summary>
/// Every published version of the agenda with what changed from the previous one (the API's changes between
/// consecutive versions), and the agenda as it stood at a moment given in UTC (the API's ?asOf=).
/// </summary>
public sealed class VersionsModel(StaffApi api) : PageModel
{
    private static readonly LocalDateTimePattern[] Moments =
    [
        LocalDateTimePattern.ExtendedIso,
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
    ];

    public Conference Conference { get; private set; } = null!;

    public IReadOnlyList<VersionEntry> Versions { get; private set; } = [];

    /// <summary>The moment asked for, as typed (UTC).</summary>
    [FromQuery]
    public string? AsOf { get; set; }

    /// <summary>The moment asked for, read as an instant.</summary>
    public Instant? Moment { get; private set; }

    /// <summary>The agenda as it stood at <see cref="Moment"/>, when a version was published by then.</summary>
    public Forum.Design.Api.Agenda? Then { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        var lang = Lang.Of(HttpContext);
        var conference = api.ConferenceAsync(slug, ct);
        var latest = api.PublishedAgendaAsync(slug, ct);
        var history = api.HistoryAsync(slug, ct);
        if ((await conference).Value is not { } c)
        {
            return NotFound();
        }

        Conference = c;
        if (!string.IsNullOrWhiteSpace(AsOf))
        {
            Moment = ParseMoment(AsOf);
            if (Moment is { } at)
            {
                Then = (await api.AgendaAsOfAsync(slug, InstantPattern.ExtendedIso.Format(at), ct)).Value;
            }
            else
            {
                Errors = [new FieldError("as-of", Localisation.Text.Get("VersionsAsOfInvalid", lang))];
            }
        }

        var published = (await history).Value?.Where(e => e.Type == "agenda-published").ToDictionary(e => VersionOf(e), e => e) ?? [];
        var count = (await latest).Value?.Version ?? 0;
        var first = count > 0 ? api.AgendaVersionAsync(slug, 1, ct) : null;
        var changes = Enumerable.Range(2, Math.Max(0, count - 1)).Select(v => api.ChangesAsync(slug, v - 1, v, ct)).ToList();
        var entries = new List<VersionEntry>();
        if (first is not null)
        {
            var added = (await first).Value?.Sessions.OrderBy(s => s.StartUtc, StringComparer.Ordinal)
                .Select(s => Added(s, c.TimeZone, lang)).ToList() ?? [];
            entries.Add(Entry(1, published, added));
        }

        foreach (var (answer, v) in changes.Select((t, i) => (t, i + 2)))
        {
            var lines = (await answer).Value?.Sessions.SelectMany(s => Describe(s, c.TimeZone, lang)).ToList() ?? [];
            entries.Add(Entry(v, published, lines));
        }

        Versions = [.. entries.OrderByDescending(e => e.Version)];
        return Page();
    }

    private static VersionEntry Entry(int version, Dictionary<int, HistoryEntry> published, IReadOnlyList<string> changes) =>
        published.TryGetValue(version, out var e) ? new VersionEntry(version, e.Time, e.Who, changes) : new VersionEntry(version, null, null, changes);

    private static int VersionOf(HistoryEntry e) =>
        e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("version", out var v) && v.TryGetInt32(out var n) ? n : 0;

    /// <summary>A moment in UTC as typed: 2027-03-09T14:30:00Z, with or without the Z, the seconds or the T.</summary>
    public static Instant? ParseMoment(string text)
    {
        var trimmed = text.Trim().Replace(' ', 'T');
        if (trimmed.EndsWith('Z') || trimmed.EndsWith('z'))
        {
            trimmed = trimmed[..^1];
        }

        return Moments.Select(p => p.Parse(trimmed)).FirstOrDefault(r => r.Success) is { } result ? result.Value.InUtc().ToInstant() : null;
    }

    /// <summary>"Wednesday 10 March 2027, 10:00–11:00 CET, Salle Europa".</summary>
    public static string Where(Session s, string zone, Lang lang)
    {
        var start = Dates.ParseLocal(s.Start);
        return $"{Dates.Day(start.Date, lang)}, {Dates.Span(start, Dates.ParseLocal(s.End), zone, lang)}, {s.RoomName}";
    }

    private static string When(Session s, string zone, Lang lang)
    {
        var start = Dates.ParseLocal(s.Start);
        return $"{Dates.Day(start.Date, lang)}, {Dates.Span(start, Dates.ParseLocal(s.End), zone, lang)}";
    }

    private static string Added(Session s, string zone, Lang lang) => Words("VersionAdded", lang, s.Title, Where(s, zone, lang));

    /// <summary>Each change of a session as a sentence: added, moved, re-roomed, renamed, cancelled, removed.</summary>
    public static IEnumerable<string> Describe(SessionChange change, string zone, Lang lang)
    {
        var before = change.Before;
        var after = change.After;
        foreach (var kind in change.Changes)
        {
            yield return (kind, before, after) switch
            {
                ("added", _, { } a) => Added(a, zone, lang),
                ("moved", { } b, { } a) => Words("VersionMoved", lang, a.Title, When(b, zone, lang), When(a, zone, lang)),
                ("re-roomed", { } b, { } a) => Words("VersionReroomed", lang, a.Title, b.RoomName, a.RoomName),
                ("renamed", { } b, { } a) => Words("VersionRenamed", lang, b.Title, a.Title),
                ("cancelled", _, { CancellationReason: { Length: > 0 } why } a) => Words("VersionCancelledWhy", lang, a.Title, why),
                ("cancelled", _, _) => Words("VersionCancelled", lang, change.Title),
                ("removed", _, _) => Words("VersionRemoved", lang, change.Title),
                _ => Words("VersionChanged", lang, change.Title),
            };
        }
    }

    private static string Words(string key, Lang lang, params string[] values)
    {
        var text = Localisation.Text.Get(key, lang);
        for (var i = 0; i < values.Length; i++)
        {
            text = text.Replace("{" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}", values[i], StringComparison.Ordinal);
        }

        return text;
    }
}
