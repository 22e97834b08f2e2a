using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Declarations;

/// <summary>The conference's declarations as organisers see them: drafts too.</summary>
public sealed class DeclarationsModel(StaffApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public IReadOnlyList<DeclarationEntry> Declarations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var declarations = await api.DeclarationsAsync(slug, ct);
        if ((await conference).Value is not { } c)
        {
            return NotFound();
        }

        Conference = c;
        Declarations = declarations.Value ?? [];
        return Page();
    }
}
