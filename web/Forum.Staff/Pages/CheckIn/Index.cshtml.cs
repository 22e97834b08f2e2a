using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.CheckIn;

/// <summary>Starting the scanner: the officer picks the conference and names the gate.</summary>
public sealed class CheckInIndexModel(StaffApi api) : PageModel
{
    public IReadOnlyList<Conference> Conferences { get; private set; } = [];

    public bool GateMissing { get; private set; }

    /// <summary>The conference chosen already (from its protocol page).</summary>
    public string? Chosen { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? slug, string? gate, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(slug) && !string.IsNullOrWhiteSpace(gate))
        {
            return Redirect(Url.Content($"~/check-in/{Uri.EscapeDataString(slug)}?gate={Uri.EscapeDataString(gate.Trim())}"));
        }

        GateMissing = slug is not null && Request.Query.ContainsKey("gate");
        Chosen = slug;
        Conferences = (await api.ConferencesAsync(ct)).Value?.Where(c => c.Status != "Draft").ToList() ?? [];
        return Page();
    }
}
