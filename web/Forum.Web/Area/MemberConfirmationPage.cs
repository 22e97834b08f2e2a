using Forum.Web.Api;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Area;

/// <summary>
/// A step that asks the focal point to confirm an act on one member (withdrawing them, erasing their data): the page
/// names the member, the form posts the delegation's version; a 412 shows the member as they are now, another refusal
/// shows the API's problem above the button. A member the act does not apply to answers 404.
/// </summary>
public abstract class MemberConfirmationPage(ForumApi api) : FocalPointPage(api)
{
    /// <summary>The member the act is about, as the delegation last read shows them.</summary>
    public DelegationMember Target { get; private set; } = null!;

    /// <summary>The member, if the act applies to them in the delegation as read.</summary>
    protected abstract DelegationMember? Applicable(Guid memberId);

    protected abstract Task<Answer<DelegationDetails>> ActAsync(Guid memberId, long version, CancellationToken ct);

    /// <summary>Where the focal point goes once the act is done.</summary>
    protected abstract IActionResult Done();

    public IActionResult OnGet(Guid memberId)
    {
        if (Applicable(memberId) is not { } member)
        {
            return NotFound();
        }

        Target = member;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid memberId, long version, CancellationToken ct)
    {
        if (Applicable(memberId) is not { } member)
        {
            return NotFound();
        }

        Target = member;
        var answer = await ActAsync(memberId, version, ct);
        if (answer.Ok)
        {
            return Done();
        }

        if (answer.Stale)
        {
            await ReloadAsync(ct);
            if (Applicable(memberId) is not { } now)
            {
                return RedirectToPage("/Area/Delegation");
            }

            Target = now;
        }
        else
        {
            Errors = [AreaErrors.Whole(answer.Problem!, 0, Lang.Of(HttpContext), "")];
        }

        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }
}
