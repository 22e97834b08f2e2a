using Forum.Web.Api;
using Forum.Web.Registration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Area;

/// <summary>
/// A page of the focal point's area. Before any handler, the token comes from the cookie and the API names the
/// delegation it reaches; without one (no cookie, a rotated or unknown token) the page answers 404 with "this link no
/// longer works". Every such page holds a token: no Referer leaves it and no cache keeps it.
/// </summary>
public abstract class FocalPointPage(ForumApi api) : PageModel
{
    protected ForumApi Api { get; } = api;

    protected string Token { get; private set; } = "";

    public DelegationDetails Delegation { get; protected set; } = null!;

    public IReadOnlyList<FieldError> Errors { get; protected set; } = [];

    /// <summary>Set when the API answered 412: the page shows the delegation as it is now, and says so.</summary>
    public bool ChangedMeanwhile { get; protected set; }

    public string? ErrorFor(string fieldId) => Errors.FirstOrDefault(e => e.FieldId == fieldId)?.Message;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        SecurityHeaders.NoReferrer(HttpContext);
        var token = FocalPointCookie.Read(Request);
        var mine = token is null ? null : await Api.MineAsync(token, HttpContext.RequestAborted);
        if (mine?.Value is null)
        {
            if (token is not null)
            {
                FocalPointCookie.Clear(HttpContext);
            }

            context.Result = Gone(HttpContext);
            return;
        }

        Token = token!;
        Delegation = mine.Value;
        await next();
    }

    /// <summary>A 404 that the error page words as "this link no longer works".</summary>
    public static IActionResult Gone(HttpContext http)
    {
        http.Items[FocalPointCookie.GoneKey] = true;
        return new NotFoundResult();
    }

    /// <summary>Reads the delegation again after a 412, for the page to show it as it is now.</summary>
    protected async Task ReloadAsync(CancellationToken ct)
    {
        var mine = await Api.MineAsync(Token, ct);
        if (mine.Value is not null)
        {
            Delegation = mine.Value;
        }

        ChangedMeanwhile = true;
    }

    protected DelegationMember? Member(Guid memberId) => Delegation.Members.FirstOrDefault(m => m.Id == memberId);
}
