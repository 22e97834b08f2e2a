using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Declarations;

/// <summary>A year's progress as organisers see it: the aggregate per commitment, and which parties have and have not reported.</summary>
public sealed class ProgressModel(StaffApi api) : DeclarationPageModel(api)
{
    [FromQuery]
    public int? Year { get; set; }

    public IReadOnlyList<ProgressYear> Years { get; private set; } = [];

    public ProgressYear? Shown { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        // Every year side by side in one call (organisers' view); the page shows one, the latest unless asked.
        Years = (await Api.ProgressAsync(id, ct)).Value?.Years ?? [];
        Shown = Years.FirstOrDefault(y => y.Year == Year) ?? (Years.Count > 0 ? Years[^1] : null);
        return Year is not null && Shown?.Year != Year ? NotFound() : Page();
    }
}
