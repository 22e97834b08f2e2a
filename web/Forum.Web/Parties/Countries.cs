using System.Globalization;
using System.Text;
using System.Text.Json;
using Forum.Web.Localisation;

namespace Forum.Web.Parties;

/// <summary>
/// States as the form offers them: chosen by name in the page's language, sent to the API by ISO 3166-1 code (the
/// API names the state from its code). English names are the API's own list; French ones come from Debian's iso-codes.
/// </summary>
public static class Countries
{
    private static readonly Lazy<IReadOnlyList<(string Code, string En, string Fr)>> All = new(Load);

    /// <summary>Code and name, sorted by name as a reader of that language expects (accents ignored).</summary>
    public static IReadOnlyList<(string Code, string Name)> In(Lang lang) => lang.IsFrench ? French.Value : English.Value;

    private static readonly Lazy<IReadOnlyList<(string Code, string Name)>> English = new(() => Sorted(c => c.En));

    private static readonly Lazy<IReadOnlyList<(string Code, string Name)>> French = new(() => Sorted(c => c.Fr));

    private static List<(string Code, string Name)> Sorted(Func<(string Code, string En, string Fr), string> name) =>
        All.Value.Select(c => (c.Code, Name: name(c))).OrderBy(c => SortKey(c.Name), StringComparer.Ordinal).ToList();

    private static string SortKey(string name)
    {
        var letters = name.Normalize(NormalizationForm.FormD).Where(ch => CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark);
        return new string(letters.ToArray()).ToUpperInvariant();
    }

    private static List<(string Code, string En, string Fr)> Load()
    {
        using var stream = typeof(Countries).Assembly.GetManifestResourceStream("Parties.countries.json")
            ?? throw new InvalidOperationException("The list of countries is not embedded.");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("countries").EnumerateObject()
            .Select(p => (p.Name, p.Value.GetProperty("en").GetString()!, p.Value.GetProperty("fr").GetString()!))
            .ToList();
    }
}
