using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Declarations;

/// <summary>The register of signatories (public from adoption on), grouped by kind of party, as organisers follow it.</summary>
public sealed class SignatoriesModel(StaffApi api) : DeclarationPageModel(api)
{
    public SignatoryRegister? Register { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        // A draft has no register yet (404 from the API): the page says so.
        Register = (await Api.SignatoriesAsync(id, ct)).Value;
        return Page();
    }
}
