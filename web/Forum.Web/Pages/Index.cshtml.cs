using Forum.Web.Api;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Forum.Web.Pages;

/// <summary>The published conferences: those still to come (or under way) first, then the past ones, latest first.</summary>
public sealed class IndexModel(ForumApi api, IClock clock) : PageModel
{
    public IReadOnlyList<Conference> Upcoming { get; private set; } = [];

    public IReadOnlyList<Conference> Past { get; private set; } = [];

    /// <summary>The series the published conferences belong to.</summary>
    public IReadOnlyList<Series> Series { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var all = await api.ConferencesAsync(ct);
        var series = await Task.WhenAll(all.Select(c => c.SeriesSlug).OfType<string>().Distinct(StringComparer.Ordinal).Select(s => api.SeriesAsync(s, ct)));
        Series = series.OfType<Series>().OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        bool IsPast(Conference c) => Dates.ParseDate(c.LastDay) < Dates.Today(c.TimeZone, clock);
        Upcoming = all.Where(c => !IsPast(c)).OrderBy(c => c.FirstDay, StringComparer.Ordinal).ToList();
        Past = all.Where(IsPast).OrderByDescending(c => c.FirstDay, StringComparer.Ordinal).ToList();
    }
}
