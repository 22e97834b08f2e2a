using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>One member: accreditation decided (or revised), declared full powers confirmed or refused, each with a reason where it says no.</summary>
public sealed class MemberModel(StaffApi api) : MemberPageModel(api)
{
    [BindProperty]
    public string? Decision { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public bool? Confirmed { get; set; }

    [BindProperty]
    public string? PowersReason { get; set; }

    public string? Done { get; private set; }

    public bool CanDecide => Member.Active && Delegation.Status == "Active";

    public bool CanDecideFullPowers => CanDecide && Member.HasFullPowers;

    public bool CanErase => Former && !Member.Erased;

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, Guid memberId, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, memberId, ct))
        {
            return NotFound();
        }

        Done = done is "decided" or "full-powers" ? Word("PrDone_" + done) : null;
        return Page();
    }

    public async Task<IActionResult> OnPostAccreditationAsync(string slug, Guid id, Guid memberId, long version, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, memberId, ct))
        {
            return NotFound();
        }

        if (Decision is not ("approve" or "reject"))
        {
            Errors = [new FieldError("decision", Word("PrChooseDecision"))];
            return Page();
        }

        var answer = await Api.DecideAccreditationAsync(id, memberId, Decision, Reason, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Protocol/Member", new { slug, id, memberId, done = "decided" });
        }

        Errors = Refusal(answer.Problem!, "decision");
        return Page();
    }

    public async Task<IActionResult> OnPostFullPowersAsync(string slug, Guid id, Guid memberId, long version, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, memberId, ct))
        {
            return NotFound();
        }

        var answer = await Api.DecideFullPowersAsync(id, memberId, Confirmed, PowersReason, version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Protocol/Member", new { slug, id, memberId, done = "full-powers" });
        }

        // The API names the reason "reason"; on this page the full powers' reason has its own field.
        Errors = Refusal(answer.Problem!, "confirmed").Select(e => e.FieldId == "reason" ? e with { FieldId = "powers-reason" } : e).ToList();
        return Page();
    }
}
