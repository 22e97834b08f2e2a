using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Declarations;

/// <summary>What every page of one declaration loads: its conference and the declaration at its latest draft, with the version (ETag) for If-Match.</summary>
public abstract class DeclarationPageModel(StaffApi api) : PageModel
{
    protected StaffApi Api => api;

    public Conference Conference { get; private set; } = null!;

    public Declaration Declaration { get; private set; } = null!;

    /// <summary>The declaration's stream version as the page showed it: a change is made against it (If-Match).</summary>
    public long Version { get; protected set; }

    public IReadOnlyList<FieldError> Errors { get; protected set; } = [];

    public string? ErrorFor(string id) => Errors.FirstOrDefault(e => e.FieldId == id)?.Message;

    /// <summary>False when the conference or the declaration is unknown, or the declaration belongs to another conference (the address is made up).</summary>
    protected async Task<bool> LoadAsync(string slug, Guid id, CancellationToken ct)
    {
        var conference = api.ConferenceAsync(slug, ct);
        var declaration = await api.DeclarationAsync(id, null, ct);
        if ((await conference).Value is not { } c || declaration.Value is not { } d || d.ConferenceSlug != c.Slug)
        {
            return false;
        }

        Conference = c;
        Declaration = d;
        Version = declaration.Version ?? d.StreamVersion;
        return true;
    }

    protected string Word(string key) => Localisation.Text.Get(key, Lang.Of(HttpContext));

    protected Func<string, string?> Words => key => Localisation.Text.Find(key, Lang.Of(HttpContext));
}
