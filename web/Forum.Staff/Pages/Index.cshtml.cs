using Forum.Staff.Api;
using Forum.Staff.SignIn;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages;

/// <summary>Every conference in every state (organisers; protocol officers see the published ones), and the series.</summary>
public sealed class IndexModel(StaffApi api) : PageModel
{
    public IReadOnlyList<Conference> Conferences { get; private set; } = [];

    public IReadOnlyList<string> Series { get; private set; } = [];

    public bool IsOrganiser => User.IsInRole(StaffRoles.Organiser);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Conferences = (await api.ConferencesAsync(ct)).Value ?? [];
        Series = Conferences.Select(c => c.SeriesSlug).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}
