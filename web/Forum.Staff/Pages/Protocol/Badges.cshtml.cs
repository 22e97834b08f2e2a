using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>
/// A printable sheet of badges, four to a page (A4 or Letter), with cut marks and each badge's QR code drawn inline: the
/// signed code the API's check-in accepts. For one delegation, or for every accredited member.
/// </summary>
public sealed class BadgesModel(StaffApi api) : ProtocolPageModel(api)
{
    public const int PerPage = 4;

    [FromQuery(Name = "delegation")]
    public Guid? DelegationId { get; set; }

    [FromQuery]
    public string? Paper { get; set; }

    public IReadOnlyList<DelegationDetails> Choices { get; private set; } = [];

    public IReadOnlyList<BadgeData> Badges { get; private set; } = [];

    public IReadOnlyList<IReadOnlyList<BadgeData>> Pages { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        Paper = Paper == "letter" ? "letter" : "a4";
        var delegations = Api.DelegationsAsync(slug, ct);
        var badges = await Api.BadgesAsync(slug, DelegationId, ct);
        if (badges.Problem is { Status: 404 })
        {
            return NotFound();
        }

        Choices = ((await delegations).Value ?? []).Where(d => d.Members.Any(m => m.Accredited && !m.Erased)).OrderBy(d => d.Party.Name, StringComparer.CurrentCulture).ToList();
        Badges = badges.Value ?? [];
        Pages = Badges.Chunk(PerPage).Select(p => (IReadOnlyList<BadgeData>)p).ToList();
        // The codes admit their holders: no cache may keep the sheet.
        Response.Headers.CacheControl = "no-store";
        return Page();
    }
}
