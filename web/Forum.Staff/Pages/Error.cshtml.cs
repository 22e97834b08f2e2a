using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages;

/// <summary>Not found, refused forms and our own failures: plain words, no internals.</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; } = 500;

    public void OnGet(int? status) => Status = status ?? 500;

    public void OnPost(int? status) => Status = status ?? 500;
}
