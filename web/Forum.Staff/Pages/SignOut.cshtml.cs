using Forum.Staff.SignIn;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages;

/// <summary>Sign-out (a POST, with its antiforgery token): the app's session ends, then the provider's.</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnPost() => StaffSignIn.SignOutEverywhere(this);
}
