using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Agenda;

/// <summary>What publishing will change, in plain words, and whose seats it touches (they get the digest); then publish.</summary>
public sealed class PublishModel(StaffApi api) : PageModel
{
    public Conference Conference { get; private set; } = null!;

    public PendingAgenda Pending { get; private set; } = new(null, [], 0, 0);

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public int? Published { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, int? published, CancellationToken ct)
    {
        Published = published;
        return await LoadAsync(slug, ct) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken ct)
    {
        var answer = await api.PublishAgendaAsync(slug, ct);
        if (answer.Ok)
        {
            return RedirectToPage(new { slug, published = answer.Value!.Version });
        }

        var lang = Lang.Of(HttpContext);
        Errors = ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string>(), key => Localisation.Text.Find(key, lang));
        return await LoadAsync(slug, ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var pending = api.PendingAsync(slug, ct);
        if ((await conference).Value is not { } c)
        {
            return false;
        }

        Conference = c;
        Pending = (await pending).Value ?? Pending;
        return true;
    }
}
