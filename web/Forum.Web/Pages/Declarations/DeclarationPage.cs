using Forum.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Declarations;

/// <summary>What every declaration page reads first: the declaration (adopted: the public sees nothing else) and its conference.</summary>
public abstract class DeclarationPage(ForumApi api) : PageModel
{
    protected ForumApi Api => api;

    public Declaration Declaration { get; private set; } = null!;

    public Conference Conference { get; private set; } = null!;

    /// <summary>Loads both; false when either is not public (the page answers 404).</summary>
    protected async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        var declaration = await api.DeclarationAsync(id, ct);
        var conference = declaration is null ? null : await api.ConferenceAsync(declaration.ConferenceSlug, ct);
        if (declaration is null || conference is null || declaration.Status == "Draft")
        {
            return false;
        }

        Declaration = declaration;
        Conference = conference;
        return true;
    }
}

public sealed class DeclarationModel(ForumApi api, ApiAddress address) : DeclarationPage(api)
{
    public string TextUrl { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }

        TextUrl = address.Of($"api/declarations/{id}/text");
        return Page();
    }
}

public sealed class SignatoriesModel(ForumApi api) : DeclarationPage(api)
{
    public SignatoryRegister Register { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var register = await LoadAsync(id, ct) ? await Api.SignatoriesAsync(id, ct) : null;
        if (register is null)
        {
            return NotFound();
        }

        Register = register;
        return Page();
    }
}

public sealed class ProgressModel(ForumApi api) : DeclarationPage(api)
{
    public ProgressYears Progress { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var progress = await LoadAsync(id, ct) ? await Api.ProgressAsync(id, ct) : null;
        if (progress is null)
        {
            return NotFound();
        }

        Progress = progress with { Years = progress.Years.OrderBy(y => y.Year).ToList() };
        return Page();
    }
}
