using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages;

/// <summary>Not found, and our own failures: plain words, no internals (an exception's text could hold a secret).</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; } = 500;

    /// <summary>An access link or cookie whose token reaches no delegation (unknown, or rotated since).</summary>
    public bool LinkGone { get; private set; }

    public void OnGet(int? status) => Show(status);

    public void OnPost(int? status) => Show(status);

    private void Show(int? status)
    {
        Status = status ?? 500;
        LinkGone = HttpContext.Items.ContainsKey(FocalPointCookie.GoneKey);
        if (LinkGone)
        {
            SecurityHeaders.NoReferrer(HttpContext);
        }
    }
}
