using Forum.Web.Api;
using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>Withdrawing a member, after a confirmation step: its place goes to the first in line.</summary>
public sealed class WithdrawModel(ForumApi api) : MemberConfirmationPage(api)
{
    protected override DelegationMember? Applicable(Guid memberId) => Member(memberId) is { Active: true } m ? m : null;

    protected override Task<Answer<DelegationDetails>> ActAsync(Guid memberId, long version, CancellationToken ct) =>
        Api.WithdrawMemberAsync(Token, Delegation.Id, memberId, version, ct);

    protected override IActionResult Done() => RedirectToPage("/Area/Delegation", new { done = "withdrawn" });
}
