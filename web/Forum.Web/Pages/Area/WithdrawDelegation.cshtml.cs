using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Withdrawing the whole delegation, after a page that says what it means: every member's place and seat goes to
/// the first in line and badges are no longer given. The access link keeps working, to see the delegation as withdrawn
/// and to erase members' personal data.
/// </summary>
public sealed class WithdrawDelegationModel(ForumApi api) : FocalPointPage(api)
{
    [BindProperty]
    public string? Reason { get; set; }

    public IActionResult OnGet() => Delegation.Status == "Active" ? Page() : RedirectToPage("/Area/Delegation");

    public async Task<IActionResult> OnPostAsync(long version, CancellationToken ct)
    {
        if (Delegation.Status != "Active")
        {
            return RedirectToPage("/Area/Delegation");
        }

        var answer = await Api.WithdrawDelegationAsync(Token, Delegation.Id, string.IsNullOrWhiteSpace(Reason) ? null : Reason, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", new { done = "delegation-withdrawn" });
        }

        if (answer.Stale)
        {
            // Shown again as it is now, with the reason kept, to confirm again.
            await ReloadAsync(ct);
        }
        else
        {
            Errors = [AreaErrors.Whole(answer.Problem!, 0, Lang.Of(HttpContext), "")];
        }

        ModelState.Clear();
        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }
}
