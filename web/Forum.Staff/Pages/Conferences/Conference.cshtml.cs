using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Conferences;

/// <summary>A conference at a glance, with the lifecycle steps its state allows.</summary>
public sealed class ConferenceModel(StaffApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public IReadOnlyList<string> Steps { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if ((await api.ConferenceAsync(slug, ct)).Value is not { } conference)
        {
            return NotFound();
        }

        Conference = conference;
        Steps = StepModel.Allowed(conference.Status);
        return Page();
    }
}
