using Forum.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Conferences;

public sealed class ConferenceModel(ForumApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public Agenda? Agenda { get; private set; }

    public IReadOnlyList<AgendaDayLayout> Days { get; private set; } = [];

    public IReadOnlyList<DeclarationEntry> Declarations { get; private set; } = [];

    /// <summary>What changed since the previous published version (none for the first).</summary>
    public AgendaChanges? Changes { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        var conference = await api.ConferenceAsync(slug, ct);
        if (conference is null)
        {
            return NotFound();
        }

        Conference = conference;
        var agenda = api.AgendaAsync(slug, ct);
        var declarations = api.DeclarationsAsync(slug, ct);
        Agenda = await agenda;
        Declarations = await declarations;
        if (Agenda?.Version is int version && version > 1)
        {
            Changes = await api.AgendaChangesAsync(slug, version - 1, version, ct);
        }
        Days = Agenda?.Days.Select(AgendaDayLayout.Of).Where(d => d.Sessions.Count > 0).ToList() ?? [];
        return Page();
    }
}
