using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>The conference's waiting list in order, and who moved up from it and why.</summary>
public sealed class WaitingListModel(StaffApi api) : ProtocolPageModel(api)
{
    public WaitingList List { get; private set; } = null!;

    public IReadOnlyList<MovedUp> Moves { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        var list = Api.WaitingListAsync(slug, ct);
        var moves = Api.MovedUpAsync(slug, ct);
        List = (await list).Value ?? new WaitingList(slug, Conference.Capacity, 0, []);
        Moves = (await moves).Value ?? [];
        return Page();
    }

    /// <summary>The API's reason ("A place was freed: a member withdrew.") in the page's words when it is one of the known ones.</summary>
    public string Why(string reason)
    {
        const string prefix = "A place was freed: ";
        var cause = reason.StartsWith(prefix, StringComparison.Ordinal) ? reason[prefix.Length..].TrimEnd('.') : null;
        return cause is null ? reason : Localisation.Text.Find("PrFreed_" + cause.Replace(' ', '_').Replace('\'', '_'), Lang) ?? reason;
    }
}
