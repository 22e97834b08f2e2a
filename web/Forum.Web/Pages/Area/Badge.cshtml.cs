using Forum.Web.Api;
using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// A member's badge: fetched from the API with the token (which never reaches the browser) and streamed back as the
/// API drew it (SVG). Another delegation's member, or one without a badge, is not found.
/// </summary>
public sealed class BadgeModel(ForumApi api) : FocalPointPage(api)
{
    public async Task<IActionResult> OnGetAsync(Guid memberId, CancellationToken ct)
    {
        if (Member(memberId) is not { Accredited: true } member)
        {
            return NotFound();
        }

        var response = await Api.BadgeAsync(Token, Delegation.Id, memberId, ct);
        if (response is null)
        {
            return NotFound();
        }

        HttpContext.Response.RegisterForDispose(response);
        var stream = await response.Content.ReadAsStreamAsync(ct);
        var name = new string((member.Name ?? "member").Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
        return File(stream, "image/svg+xml", $"badge-{name}.svg");
    }
}
