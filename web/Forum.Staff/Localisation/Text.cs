using System.Resources;

namespace Forum.Staff.Localisation;

/// <summary>The staff app's words (Resources/Text.resx, Text.fr.resx), over the design library's.</summary>
public sealed class Text(IHttpContextAccessor accessor) : AppText(accessor, Resources)
{
    private static readonly ResourceManager Resources = new("Forum.Staff.Resources.Text", typeof(Text).Assembly);

    public static string Get(string key, Lang lang) => Get(Resources, key, lang);

    /// <summary>The word for a key, or null when there is none (an API code the pages do not word yet).</summary>
    public static string? Find(string key, Lang lang) => Resources.GetString(key, lang.Culture) ?? DesignText.Find(key, lang);
}
