using Forum.Web.Api;
using Forum.Web.Localisation;
using Forum.Web.Registration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Web.Pages.Conferences;

/// <summary>
/// Registering a delegation. Rows are added and removed by plain submit buttons (no JavaScript needed), which re-show
/// the form as typed; only "Register" calls the API. Its refusals come back as an error summary and messages beside
/// the fields; its answer is shown once, with the access link, and never stored here.
/// </summary>
public sealed class RegisterModel(ForumApi api) : PageModel
{
    [BindProperty]
    public RegistrationForm Form { get; set; } = RegistrationForm.New();

    public Conference Conference { get; private set; } = null!;

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public Delegation? Registered { get; private set; }

    public string? AccessLink { get; private set; }

    public string? ErrorFor(string fieldId) => Errors.FirstOrDefault(e => e.FieldId == fieldId)?.Message;

    public bool CanAddMember => Form.Members.Count < Conference.DelegationQuota;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct) => await LoadAsync(slug, ct) ?? Page();

    public async Task<IActionResult> OnPostAddAsync(string slug, CancellationToken ct)
    {
        var missing = await LoadAsync(slug, ct);
        if (missing is not null)
        {
            return missing;
        }

        if (CanAddMember)
        {
            Form.AddRow();
        }

        return Redisplay();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string slug, int row, CancellationToken ct)
    {
        var missing = await LoadAsync(slug, ct);
        if (missing is not null)
        {
            return missing;
        }

        Form.RemoveRow(row);
        return Redisplay();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken ct)
    {
        var missing = await LoadAsync(slug, ct);
        if (missing is not null)
        {
            return missing;
        }

        if (string.IsNullOrEmpty(Form.IdempotencyKey))
        {
            Form.IdempotencyKey = RegistrationForm.NewKey();
        }

        var (delegation, problem) = await api.RegisterAsync(slug, Form.ToRequest(), Form.IdempotencyKey, ct);
        if (delegation is null)
        {
            Errors = FormErrors.From(problem ?? new Problem(500, null, null, null, null), Form, Lang.Of(HttpContext));
            Response.StatusCode = problem?.Status is 409 ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
            return Redisplay();
        }

        // The answer holds the access token: shown on this page once, never cached, never in a Referer.
        SecurityHeaders.NoReferrer(HttpContext);
        Registered = delegation;
        AccessLink = delegation.AccessToken is null ? null : $"{Request.Scheme}://{Request.Host}{Request.PathBase}/access/{Uri.EscapeDataString(delegation.AccessToken)}";
        return Page();
    }

    private PageResult Redisplay()
    {
        // The form shows the rows as they are now, not as they were posted.
        ModelState.Clear();
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(string slug, CancellationToken ct)
    {
        var conference = await api.ConferenceAsync(slug, ct);
        if (conference is null)
        {
            return NotFound();
        }

        Conference = conference;
        Form.Members ??= [];
        if (Form.Members.Count == 0)
        {
            Form.Members.Add(new MemberRow());
        }

        return null;
    }
}
