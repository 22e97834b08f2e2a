using System.Text.Json;

namespace Forum.Api.Delegations;

/// <summary>ISO 3166-1 alpha-2 codes with their English short names (embedded from Debian's iso-codes).</summary>
public static class Countries
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Names = new(Load);

    /// <summary>The English short name of an upper-case alpha-2 code, or null when there is no such country.</summary>
    public static string? NameOf(string? code) => code is null ? null : Names.Value.GetValueOrDefault(code);

    private static Dictionary<string, string> Load()
    {
        using var stream = typeof(Countries).Assembly.GetManifestResourceStream("Delegations.countries.json")
            ?? throw new InvalidOperationException("The list of countries is not embedded.");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("countries").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }
}
