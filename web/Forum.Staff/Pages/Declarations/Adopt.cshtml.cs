using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Declarations;

/// <summary>Adopts the latest draft after a confirmation that says the text freezes; then the declaration's page shows the hash.</summary>
public sealed class AdoptModel(StaffApi api) : DeclarationPageModel(api)
{
    /// <summary>Someone saved another draft after the one this page showed: that draft is the one shown now.</summary>
    public bool Stale { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        return Declaration.Status == "Draft" ? Page() : RedirectToPage("/Declarations/Declaration", new { slug, id });
    }

    public async Task<IActionResult> OnPostAsync(string slug, Guid id, long version, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        var answer = await Api.AdoptDeclarationAsync(id, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Declarations/Declaration", new { slug, id });
        }

        // A stale page shows the draft as it stands now (loaded above), to be read before adopting that one.
        Stale = answer.Stale;
        Errors = answer.Stale
            ? [new FieldError("", Word("DeclStaleAdopt"))]
            : ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string>(), Words);
        return Page();
    }
}
