using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>Adding a member (/delegation/member) or replacing one (/delegation/member/{memberId}): the replacement takes its place.</summary>
public sealed class MemberModel(ForumApi api) : FocalPointPage(api)
{
    [BindProperty]
    public MemberForm Form { get; set; } = new();

    /// <summary>The member being replaced; null when adding.</summary>
    public DelegationMember? Replaced { get; private set; }

    public Conference? Conference { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? memberId, CancellationToken ct)
    {
        if (!await LoadAsync(memberId, ct))
        {
            return NotFound();
        }

        // Replacing the head: the replacement is the head, unless the form says otherwise.
        Form = new MemberForm { Version = Delegation.Version, IsHead = Replaced?.IsHead ?? false };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid? memberId, CancellationToken ct)
    {
        if (!await LoadAsync(memberId, ct))
        {
            return NotFound();
        }

        var answer = memberId is { } id
            ? await Api.ReplaceMemberAsync(Token, Delegation.Id, id, Form.ToRequest(), Form.Version, ct)
            : await Api.AddMemberAsync(Token, Delegation.Id, Form.ToRequest(), Form.Version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", new { done = memberId is null ? "added" : "replaced" });
        }

        if (answer.Stale)
        {
            // Someone changed the delegation meanwhile: the page shows it as it is now, with what was typed, to send again.
            await ReloadAsync(ct);
            Replaced = memberId is { } again ? Member(again) : null;
            Form.Version = Delegation.Version;
            if (memberId is not null && Replaced is not { Active: true })
            {
                return RedirectToPage("/Area/Delegation");
            }
        }
        else if (answer.Problem?.Status == 404)
        {
            return NotFound();
        }
        else
        {
            Errors = AreaErrors.Member(answer.Problem!, Conference?.DelegationQuota ?? 0, Lang.Of(HttpContext));
        }

        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        ModelState.Clear();
        return Page();
    }

    private async Task<bool> LoadAsync(Guid? memberId, CancellationToken ct)
    {
        if (memberId is { } id)
        {
            // Another delegation's member, or one no longer active, is not found here.
            Replaced = Member(id);
            if (Replaced is not { Active: true })
            {
                return false;
            }
        }

        Conference = await Api.ConferenceAsync(Delegation.ConferenceSlug, ct);
        return true;
    }
}
