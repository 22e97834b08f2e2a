using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Forum.Web.Registration;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Handing the delegation to another focal point: the name and e-mail our mails go to. The access link does not change
/// (the person leaving hands it over, or rotates it afterwards).
/// </summary>
public sealed class FocalPointModel(ForumApi api) : FocalPointPage(api)
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public long Version { get; set; }

    public IActionResult OnGet()
    {
        if (Delegation.Status != "Active")
        {
            return RedirectToPage("/Area/Delegation");
        }

        Name = Delegation.FocalPoint.Name;
        Email = Delegation.FocalPoint.Email;
        Version = Delegation.Version;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Delegation.Status != "Active")
        {
            return RedirectToPage("/Area/Delegation");
        }

        var answer = await Api.ChangeFocalPointAsync(Token, Delegation.Id, new ContactRequest(Name, Email), Version, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", new { done = "focal-point" });
        }

        if (answer.Stale)
        {
            // Someone changed the delegation meanwhile: shown as it is now, with what was typed, to send again.
            await ReloadAsync(ct);
            Version = Delegation.Version;
        }
        else
        {
            var lang = Lang.Of(HttpContext);
            Errors = answer.Problem!.Errors is { Count: > 0 } errors
                ? errors.Keys.OrderBy(k => k == "email" ? 1 : 0).Select(field => field switch
                {
                    "name" => new FieldError("name", Text.Get("ErrorFocalPointName", lang)),
                    "email" => new FieldError("email", Text.Get("ErrorFocalPointEmail", lang)),
                    _ => new FieldError("", Text.Get("AreaErrorUnexpected", lang)),
                }).ToList()
                : [AreaErrors.Whole(answer.Problem, 0, lang, "")];
        }

        ModelState.Clear();
        Response.StatusCode = answer.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }
}
