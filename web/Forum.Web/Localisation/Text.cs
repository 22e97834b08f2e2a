using System.Globalization;
using System.Resources;

namespace Forum.Web.Localisation;

/// <summary>
/// Every word the pages show, from Resources/Text.resx (English) and Text.fr.resx (French), in the request's language.
/// A key missing in French falls back to English (the resource manager's rule); a test keeps the two files level.
/// </summary>
public sealed class Text(IHttpContextAccessor accessor)
{
    private static readonly ResourceManager Resources = new("Forum.Web.Resources.Text", typeof(Text).Assembly);

    public Lang Lang => Lang.Of(accessor.HttpContext!);

    public string this[string key] => Get(key, Lang);

    public string Format(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, this[key], args);

    public static string Get(string key, Lang lang) =>
        Resources.GetString(key, lang.Culture) ?? throw new KeyNotFoundException($"No text {key} in Resources/Text.resx.");
}
