using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Forum.Web.Registration;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Withdrawing the party's signature, after a confirmation step that asks why: the register keeps the signature and
/// shows the withdrawal with its reason, and the party no longer reports.
/// </summary>
public sealed class WithdrawSignatureModel(ForumApi api) : FocalPointPage(api)
{
    [BindProperty]
    public string? Reason { get; set; }

    public AreaDeclaration Declaration { get; private set; } = null!;

    public Act Signature => Declaration.InForce!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) =>
        await LoadAsync(id, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }

        var answer = await Api.WithdrawSignatureAsync(Token, id, Delegation.Id, Reason, ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", pageHandler: null, routeValues: new { done = "signature-withdrawn" }, fragment: $"declaration-{id:N}");
        }

        var lang = Lang.Of(HttpContext);
        Errors = answer.Problem!.Errors?.ContainsKey("reason") == true
            ? [new FieldError("reason", Text.Get("AreaErrorReason", lang))]
            : [answer.Problem.Code == "not_signed" ? new FieldError("", Text.Get("AreaErrorNotSigned", lang)) : AreaErrors.Whole(answer.Problem, 0, lang, "")];
        ModelState.Clear();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>Only a signature in force can be withdrawn; otherwise there is nothing here.</summary>
    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        var conference = await Api.ConferenceAsync(Delegation.ConferenceSlug, ct);
        var declaration = await AreaDeclarations.LoadOneAsync(Api, Token, Delegation, conference, id, ct);
        if (declaration?.InForce is null)
        {
            return false;
        }

        Declaration = declaration;
        return true;
    }
}
