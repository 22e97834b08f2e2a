using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>Re-issues a member's badge after a warning that the old badge's code stops working at the door.</summary>
public sealed class ReissueModel(StaffApi api) : MemberPageModel(api)
{
    public async Task<IActionResult> OnGetAsync(string slug, Guid id, Guid memberId, CancellationToken ct) =>
        await LoadAsync(slug, id, memberId, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string slug, Guid id, Guid memberId, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, memberId, ct))
        {
            return NotFound();
        }

        // The badge has no ETag of its own: re-issuing twice is harmless (each makes the previous code stop working).
        var answer = await Api.ReissueBadgeAsync(id, memberId, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Protocol/Delegation", new { slug, id, done = "reissued" });
        }

        Errors = Refusal(answer.Problem!, "");
        return Page();
    }
}
