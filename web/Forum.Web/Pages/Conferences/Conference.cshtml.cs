using Forum.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Conferences;

public sealed class ConferenceModel(ForumApi api, ConferencePageCache pages) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public Agenda? Agenda { get; private set; }

    public IReadOnlyList<AgendaDayLayout> Days { get; private set; } = [];

    public IReadOnlyList<DeclarationEntry> Declarations { get; private set; } = [];

    /// <summary>What changed since the previous published version (none for the first).</summary>
    public AgendaChanges? Changes { get; private set; }

    /// <summary>The grid's placement of each session on wide screens, allowed by its hash in the Content-Security-Policy.</summary>
    public string? GridStyle { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        // Normally read by the page cache for this very request, so that the page shows what its fingerprint names.
        if ((ConferencePageCache.DataFor(HttpContext) ?? await pages.LoadAsync(api, slug, ct)) is not { } data)
        {
            return NotFound();
        }

        Conference = data.Conference;
        Agenda = data.Agenda;
        Days = data.Days;
        Declarations = data.Declarations;
        Changes = data.Changes;
        if (Days.Count > 0)
        {
            GridStyle = "@media (min-width: 48em) { " + string.Concat(Days.Select(d => d.Css())) + " }";
            SecurityHeaders.AllowStyle(HttpContext, GridStyle);
        }

        return Page();
    }
}
