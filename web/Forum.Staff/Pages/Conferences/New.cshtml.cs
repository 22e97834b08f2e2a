using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Forum.Staff.Pages.Conferences;

public sealed class ConferenceForm
{
    public string? Slug { get; set; }

    public string? Title { get; set; }

    public string? VenueName { get; set; }

    public string? VenueCity { get; set; }

    public string? VenueCountry { get; set; }

    public string? TimeZone { get; set; } = "Europe/Brussels";

    public string? FirstDay { get; set; }

    public string? LastDay { get; set; }

    public string? Capacity { get; set; }

    public string? DelegationQuota { get; set; } = "4";

    public string? Languages { get; set; } = "en, fr";

    public string? SeriesSlug { get; set; }
}

/// <summary>Creates a conference (a draft): the zone chosen from the IANA zones NodaTime knows, as the API does.</summary>
public sealed class NewModel(StaffApi api) : PageModel
{
    /// <summary>The API's field names → the inputs of this form.</summary>
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["slug"] = "slug", ["title"] = "title", ["venue"] = "venue-name", ["venue.name"] = "venue-name", ["venue.city"] = "venue-city",
        ["venue.country"] = "venue-country", ["timeZone"] = "time-zone", ["firstDay"] = "first-day", ["lastDay"] = "last-day",
        ["capacity"] = "capacity", ["delegationQuota"] = "quota", ["languages"] = "languages", ["seriesSlug"] = "series",
    };

    [BindProperty]
    public ConferenceForm Form { get; set; } = new();

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public IReadOnlyList<(string, string)> Zones { get; } = DateTimeZoneProviders.Tzdb.Ids.Where(id => id.Contains('/', StringComparison.Ordinal) && !id.StartsWith("Etc/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(id => (id, id.Replace('_', ' '))).ToList();

    public string? ErrorFor(string id) => Errors.FirstOrDefault(e => e.FieldId == id)?.Message;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var f = Form;
        var request = new ScheduleConferenceRequest(
            f.Slug?.Trim(), f.Title?.Trim(), string.IsNullOrWhiteSpace(f.SeriesSlug) ? null : f.SeriesSlug.Trim(),
            new VenueRequest(f.VenueName?.Trim(), f.VenueCity?.Trim(), f.VenueCountry?.Trim().ToUpperInvariant()),
            f.TimeZone, f.FirstDay, f.LastDay,
            (f.Languages ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            int.TryParse(f.Capacity, out var capacity) ? capacity : null, int.TryParse(f.DelegationQuota, out var quota) ? quota : null);
        var answer = await api.ScheduleConferenceAsync(request, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Conferences/Conference", new { slug = request.Slug });
        }

        Errors = ProblemFields.ToFields(answer.Problem!, Fields, key => Localisation.Text.Find(key, Lang.Of(HttpContext)), new Dictionary<string, string> { ["conference_exists"] = "slug", ["unknown_series"] = "series" });
        return Page();
    }
}
