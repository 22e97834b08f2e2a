using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>A conference as protocol officers work on it: how many delegations, how many members await a decision, the places.</summary>
public sealed class ProtocolIndexModel(StaffApi api) : ProtocolPageModel(api)
{
    public int Delegations { get; private set; }

    public int Awaiting { get; private set; }

    public int Admitted { get; private set; }

    public int Waiting { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        var delegations = Api.DelegationsAsync(slug, ct);
        var queue = Api.AccreditationQueueAsync(slug, ct);
        var waiting = Api.WaitingListAsync(slug, ct);
        Delegations = (await delegations).Value?.Count ?? 0;
        Awaiting = (await queue).Value?.Count ?? 0;
        if ((await waiting).Value is { } list)
        {
            Admitted = list.Admitted;
            Waiting = list.Waiting.Count;
        }

        return Page();
    }
}
