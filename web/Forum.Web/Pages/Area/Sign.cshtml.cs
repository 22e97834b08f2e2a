using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Forum.Web.Pages.Area;

/// <summary>
/// Signing a declaration for the delegation: which member signs, and where. Every active member is offered, those
/// entitled first, so that a refusal (not accredited, full powers not confirmed, not of ministerial rank) is explained
/// beside the choice rather than the choice being hidden.
/// </summary>
public sealed class SignModel(ForumApi api, IClock clock) : FocalPointPage(api)
{
    [BindProperty]
    public Guid? MemberId { get; set; }

    [BindProperty]
    public string? Place { get; set; }

    public AreaDeclaration Declaration { get; private set; } = null!;

    public Conference? Conference { get; private set; }

    public IReadOnlyList<DelegationMember> Signers => Delegation.ActiveMembers.OrderByDescending(m => m.EntitledToSign).ToList();

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }

        Place = Conference?.Venue.City;
        MemberId = Signers.FirstOrDefault(m => m.EntitledToSign)?.Id;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }

        var place = string.IsNullOrWhiteSpace(Place) ? null : Place;
        var answer = await Api.SignAsync(Token, id, new SignRequest(Delegation.Id, MemberId, place), ct);
        if (answer.Ok)
        {
            return RedirectToPage("/Area/Delegation", pageHandler: null, routeValues: new { done = "signed" }, fragment: $"declaration-{id:N}");
        }

        Errors = AreaErrors.Signature(answer.Problem!, MemberId is { } m ? Member(m) : null, Lang.Of(HttpContext));
        ModelState.Clear();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        Conference = await Api.ConferenceAsync(Delegation.ConferenceSlug, ct);
        var declaration = await AreaDeclarations.LoadOneAsync(Api, Token, Delegation, Conference, id, ct);
        if (declaration is null || !declaration.OpenForSignature(clock.GetCurrentInstant()))
        {
            return false;
        }

        Declaration = declaration;
        return true;
    }
}
