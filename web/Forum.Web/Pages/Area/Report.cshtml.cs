using Forum.Web.Api;
using Forum.Web.Area;
using Forum.Web.Localisation;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Web.Pages.Area;

/// <summary>
/// The party's annual progress report on a declaration: per commitment its status, the indicator's value where it
/// has one, and a narrative. The API keeps one report per year and party, revisable until the year's deadline, so the
/// form shows the report as it stands and sending it again amends it.
/// </summary>
public sealed class ReportModel(ForumApi api) : FocalPointPage(api)
{
    [BindProperty]
    public List<ReportEntry> Entries { get; set; } = [];

    public AreaDeclaration Declaration { get; private set; } = null!;

    public ReportYear Year { get; private set; } = null!;

    public Conference? Conference { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, int year, CancellationToken ct)
    {
        if (!await LoadAsync(id, year, ct))
        {
            return NotFound();
        }

        Entries = ReportForm.From(Declaration.Declaration, Year.Report, Lang.Of(HttpContext));
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, int year, CancellationToken ct)
    {
        if (!await LoadAsync(id, year, ct))
        {
            return NotFound();
        }

        var lang = Lang.Of(HttpContext);
        var (request, typos) = ReportForm.ToRequest(Delegation.Id, year, Declaration.Declaration, Entries, lang);
        if (request is not null)
        {
            var answer = await Api.ReportAsync(Token, id, request, ct);
            if (answer.Ok)
            {
                return RedirectToPage("/Area/Delegation", pageHandler: null, routeValues: new { done = "reported" }, fragment: $"report-{id:N}-{year}");
            }

            Errors = ReportForm.Errors(answer.Problem!, Declaration.Declaration, year, lang);
        }
        else
        {
            Errors = typos;
        }

        // What was typed stays, as typed.
        ModelState.Clear();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>A year the party reports on: it is bound by the declaration, and the year is from the adoption to now.</summary>
    private async Task<bool> LoadAsync(Guid id, int year, CancellationToken ct)
    {
        Conference = await Api.ConferenceAsync(Delegation.ConferenceSlug, ct);
        var declaration = await AreaDeclarations.LoadOneAsync(Api, Token, Delegation, Conference, id, ct);
        if (declaration?.InForce is null || declaration.Years.FirstOrDefault(y => y.Year == year) is not { } found)
        {
            return false;
        }

        Declaration = declaration;
        Year = found;
        return true;
    }
}
