using Forum.Web.Area;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Area;

/// <summary>Signing out forgets the token in this browser (the cookie is cleared); the access link itself still works.</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Area/Delegation");

    public IActionResult OnPost()
    {
        SecurityHeaders.NoReferrer(HttpContext);
        FocalPointCookie.Clear(HttpContext);
        return Page();
    }
}
