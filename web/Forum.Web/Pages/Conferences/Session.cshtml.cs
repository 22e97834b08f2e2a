using Forum.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Conferences;

/// <summary>
/// A session's own page. Its address (/conferences/{slug}/sessions/{number}) is stable: the number never changes, so
/// calendar feeds and exports may link here.
/// </summary>
public sealed class SessionModel(ForumApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public Session Session { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, int number, CancellationToken ct)
    {
        var conference = await api.ConferenceAsync(slug, ct);
        var agenda = conference is null ? null : await api.AgendaAsync(slug, ct);
        var session = agenda?.Sessions.FirstOrDefault(s => s.Number == number);
        if (session is null)
        {
            return NotFound();
        }

        Conference = conference!;
        Session = session;
        return Page();
    }
}
