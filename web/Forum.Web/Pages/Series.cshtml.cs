using Forum.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages;

/// <summary>A series: its published editions, latest first, and the declarations adopted at them.</summary>
public sealed class SeriesModel(ForumApi api) : PageModel
{
    public Series Series { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        var series = await api.SeriesAsync(slug, ct);
        if (series is null)
        {
            return NotFound();
        }

        Series = series with { Editions = series.Editions.OrderByDescending(e => e.FirstDay, StringComparer.Ordinal).ToList() };
        return Page();
    }
}
