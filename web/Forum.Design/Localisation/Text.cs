using System.Globalization;
using System.Resources;

namespace Forum.Design.Localisation;

/// <summary>The words a page shows, in the request's language; what the shared layout and partials read.</summary>
public interface IText
{
    Lang Lang { get; }

    string this[string key] { get; }

    string Format(string key, params object?[] args);
}

/// <summary>The design library's own words (the layout's, dates', error summaries'), below every app's.</summary>
public static class DesignText
{
    private static readonly ResourceManager Resources = new("Forum.Design.Resources.Design", typeof(DesignText).Assembly);

    public static string? Find(string key, Lang lang) => Resources.GetString(key, lang.Culture);

    public static string Get(string key, Lang lang) => Find(key, lang) ?? throw new KeyNotFoundException($"No text {key} in Forum.Design's Resources/Design.resx.");
}

/// <summary>
/// Every word the pages show, from the app's resources, then the design library's, in the request's language. A key
/// missing in French falls back to English (the resource manager's rule); tests keep the files level.
/// </summary>
public abstract class AppText(IHttpContextAccessor accessor, ResourceManager resources) : IText
{
    public Lang Lang => Lang.Of(accessor.HttpContext!);

    public string this[string key] => Get(resources, key, Lang);

    public string Format(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, this[key], args);

    public static string Get(ResourceManager resources, string key, Lang lang) =>
        resources.GetString(key, lang.Culture) ?? DesignText.Find(key, lang) ?? throw new KeyNotFoundException($"No text {key} in {resources.BaseName} or Forum.Design's.");
}
