using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Declarations;

/// <summary>The declaration's drafts, and what changed between two of them (a GET form, so a comparison has an address).</summary>
public sealed class VersionsModel(StaffApi api) : DeclarationPageModel(api)
{
    [FromQuery]
    public int? From { get; set; }

    [FromQuery]
    public int? To { get; set; }

    public IReadOnlyList<Declaration> Drafts { get; private set; } = [];

    public DraftChanges? Changes { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct))
        {
            return NotFound();
        }

        var latest = Declaration.LatestVersion > 0 ? Declaration.LatestVersion : Declaration.Version;
        var drafts = new List<Declaration>();
        for (var v = 1; v <= latest; v++)
        {
            drafts.Add(v == Declaration.Version ? Declaration : (await Api.DeclarationAsync(id, v, ct)).Value ?? Declaration);
        }

        Drafts = drafts;
        if (From is null && To is null)
        {
            // Nothing asked yet: the form offers the latest draft against the one before.
            (From, To) = (Math.Max(1, latest - 1), latest);
            return Page();
        }

        var answer = await Api.DeclarationChangesAsync(id, From ?? 1, To ?? latest, ct);
        if (answer.Ok)
        {
            Changes = answer.Value;
        }
        else
        {
            Errors = ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string> { ["from"] = "from", ["to"] = "to" }, Words);
        }

        return Page();
    }
}
