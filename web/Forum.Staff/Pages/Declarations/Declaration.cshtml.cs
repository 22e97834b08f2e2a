using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Declarations;

/// <summary>One declaration as organisers work on it: its latest text, its state, and the steps that state allows.</summary>
public sealed class DeclarationModel(StaffApi api) : DeclarationPageModel(api)
{
    /// <summary>The version just saved, when the editor sent the organiser here.</summary>
    [FromQuery]
    public int? Saved { get; set; }

    /// <summary>The signing ceremony the declaration opens at, when opened at one.</summary>
    public Session? Ceremony { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        if (Declaration.Signing?.SessionId is { } session)
        {
            Ceremony = (await Api.SessionAsync(slug, session, ct)).Value;
        }

        return Page();
    }
}
