using Forum.Staff.Api;
using Forum.Staff.SignIn;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages;

/// <summary>Every conference in every state (organisers; protocol officers see the published ones), and every series with its editions.</summary>
public sealed class IndexModel(StaffApi api) : PageModel
{
    public IReadOnlyList<Conference> Conferences { get; private set; } = [];

    public IReadOnlyList<Series> Series { get; private set; } = [];

    public bool IsOrganiser => User.IsInRole(StaffRoles.Organiser);

    public bool IsProtocol => User.IsInRole(StaffRoles.Protocol);

    public async Task OnGetAsync(CancellationToken ct)
    {
        var conferences = api.ConferencesAsync(ct);
        var series = api.SeriesAsync(ct);
        Conferences = (await conferences).Value ?? [];
        Series = (await series).Value ?? [];
    }
}
