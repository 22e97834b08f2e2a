using Forum.Web.Api;
using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// A new access link, after a confirmation step: the old link (and every cookie holding the old token) stops working
/// at once; the new link is shown once and this browser's cookie takes the new token.
/// </summary>
public sealed class TokenModel(ForumApi api) : FocalPointPage(api)
{
    public string? NewLink { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(long version, CancellationToken ct)
    {
        var answer = await Api.RotateTokenAsync(Token, Delegation.Id, version, ct);
        if (answer.Value is { } token)
        {
            FocalPointCookie.Write(HttpContext, token.Value);
            NewLink = $"{Request.Scheme}://{Request.Host}{Request.PathBase}/access/{Uri.EscapeDataString(token.Value)}";
            return Page();
        }

        if (answer.Stale)
        {
            await ReloadAsync(ct);
        }

        return Page();
    }
}
