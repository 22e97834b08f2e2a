using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>Erases a member's personal data after a confirmation that says what goes and what stays (signatures in the register).</summary>
public sealed class EraseModel(StaffApi api) : MemberPageModel(api)
{
    public async Task<IActionResult> OnGetAsync(string slug, Guid id, Guid memberId, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, memberId, ct))
        {
            return NotFound();
        }

        return Member.Erased ? RedirectToPage("/Protocol/Delegation", new { slug, id }) : Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, Guid id, Guid memberId, long version, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, memberId, ct))
        {
            return NotFound();
        }

        var answer = await Api.ErasePersonalDataAsync(id, memberId, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Protocol/Delegation", new { slug, id, done = "erased" });
        }

        Errors = Refusal(answer.Problem!, "");
        return Page();
    }
}
