using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>Every delegation of the conference, filtered by kind of party, status, and whether members await a decision.</summary>
public sealed class DelegationsModel(StaffApi api) : ProtocolPageModel(api)
{
    public static readonly string[] Kinds = ["State", "InternationalOrganisation", "Company", "NonGovernmentalOrganisation", "LawEnforcement"];

    [FromQuery]
    public string? Kind { get; set; }

    [FromQuery]
    public string? Status { get; set; }

    /// <summary>"yes": only delegations with members awaiting a decision; "no": only those without.</summary>
    [FromQuery]
    public string? Awaiting { get; set; }

    public IReadOnlyList<DelegationDetails> Shown { get; private set; } = [];

    public int Total { get; private set; }

    public static int AwaitingCount(DelegationDetails d) => d.Status == "Active" ? d.ActiveMembers.Count(m => m.Accreditation.Status == "Pending") : 0;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        var all = (await Api.DelegationsAsync(slug, ct)).Value ?? [];
        Total = all.Count;
        Shown = all
            .Where(d => string.IsNullOrEmpty(Kind) || d.Party.Kind == Kind)
            .Where(d => string.IsNullOrEmpty(Status) || d.Status == Status)
            .Where(d => Awaiting switch { "yes" => AwaitingCount(d) > 0, "no" => AwaitingCount(d) == 0, _ => true })
            .ToList();
        return Page();
    }
}
