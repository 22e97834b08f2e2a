using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>Withdrawing a member, after a confirmation step: its place goes to the first in line.</summary>
public sealed class WithdrawModel(ForumApi api) : FocalPointPage(api)
{
    public DelegationMember Withdrawn { get; private set; } = null!;

    public IActionResult OnGet(Guid memberId)
    {
        if (Member(memberId) is not { Active: true } member)
        {
            return NotFound();
        }

        Withdrawn = member;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid memberId, long version, CancellationToken ct)
    {
        if (Member(memberId) is not { Active: true } member)
        {
            return NotFound();
        }

        Withdrawn = member;
        var answer = await Api.WithdrawMemberAsync(Token, Delegation.Id, memberId, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", new { done = "withdrawn" });
        }

        if (answer.Stale)
        {
            await ReloadAsync(ct);
            if (Member(memberId) is not { Active: true } now)
            {
                return RedirectToPage("/Area/Delegation");
            }

            Withdrawn = now;
        }
        else
        {
            Errors = [AreaErrors.Whole(answer.Problem!, 0, Lang.Of(HttpContext), "")];
        }

        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }
}
