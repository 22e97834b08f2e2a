using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Erasing a former member's personal data (name, function, e-mail), after a confirmation step. The API lets a focal
/// point do so once the member, or the whole delegation, is withdrawn; an active member is not offered.
/// </summary>
public sealed class EraseModel(ForumApi api) : FocalPointPage(api)
{
    public DelegationMember Erased { get; private set; } = null!;

    public IActionResult OnGet(Guid memberId)
    {
        if (Former(memberId) is not { } member)
        {
            return NotFound();
        }

        Erased = member;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid memberId, long version, CancellationToken ct)
    {
        if (Former(memberId) is not { } member)
        {
            return NotFound();
        }

        Erased = member;
        var answer = await Api.ErasePersonalDataAsync(Token, Delegation.Id, memberId, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", pageHandler: null, routeValues: new { done = "erased" }, fragment: "former-members");
        }

        if (answer.Stale)
        {
            await ReloadAsync(ct);
            if (Former(memberId) is not { } now)
            {
                return RedirectToPage("/Area/Delegation");
            }

            Erased = now;
        }
        else
        {
            Errors = [AreaErrors.Whole(answer.Problem!, 0, Lang.Of(HttpContext), "")];
        }

        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>A member of this delegation no longer in it (or of a withdrawn delegation), whose data is still there.</summary>
    private DelegationMember? Former(Guid memberId) =>
        Member(memberId) is { Erased: false } m && (!m.Active || Delegation.Status != "Active") ? m : null;
}
