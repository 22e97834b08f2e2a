using Forum.Web.Api;
using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Erasing a former member's personal data (name, function, e-mail), after a confirmation step. The API lets a focal
/// point do so once the member, or the whole delegation, is withdrawn; an active member is not offered.
/// </summary>
public sealed class EraseModel(ForumApi api) : MemberConfirmationPage(api)
{
    /// <summary>A member of this delegation no longer in it (or of a withdrawn delegation), whose data is still there.</summary>
    protected override DelegationMember? Applicable(Guid memberId) =>
        Member(memberId) is { Erased: false } m && (!m.Active || Delegation.Status != "Active") ? m : null;

    protected override Task<Answer<DelegationDetails>> ActAsync(Guid memberId, long version, CancellationToken ct) =>
        Api.ErasePersonalDataAsync(Token, Delegation.Id, memberId, version, ct);

    protected override IActionResult Done() =>
        RedirectToPage("/Area/Delegation", pageHandler: null, routeValues: new { done = "erased" }, fragment: "former-members");
}
