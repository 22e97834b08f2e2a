using Forum.Web.Api;
using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Area;

/// <summary>
/// The access link (/access/{token}, from the registration's confirmation and mail): the API checks the token, which
/// then moves into the cookie, and a redirect cleans it out of the address bar and the history. Nothing here logs or
/// shows the token; an unknown or rotated one answers 404 "this link no longer works".
/// </summary>
public sealed class AccessModel(ForumApi api) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        SecurityHeaders.NoReferrer(HttpContext);
        var mine = FocalPointCookie.IsTokenShaped(token) ? await api.MineAsync(token, ct) : null;
        if (mine?.Value is null)
        {
            return FocalPointPage.Gone(HttpContext);
        }

        FocalPointCookie.Write(HttpContext, token);
        return new RedirectResult(Url.Content("~/delegation"), permanent: false);
    }
}
