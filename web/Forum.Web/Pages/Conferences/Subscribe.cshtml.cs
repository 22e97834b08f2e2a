using Forum.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Conferences;

/// <summary>The conference's public calendar feed, in the three forms calendar apps take (links the API gives).</summary>
public sealed class SubscribeModel(ForumApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public CalendarLinks Links { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        var conference = await api.ConferenceAsync(slug, ct);
        if (conference?.Calendar is null)
        {
            return NotFound();
        }

        Conference = conference;
        Links = conference.Calendar;
        return Page();
    }
}
