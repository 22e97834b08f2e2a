using System.Resources;

namespace Forum.Web.Localisation;

/// <summary>The web client's words (Resources/Text.resx, Text.fr.resx), over the design library's.</summary>
public sealed class Text(IHttpContextAccessor accessor) : AppText(accessor, Resources)
{
    private static readonly ResourceManager Resources = new("Forum.Web.Resources.Text", typeof(Text).Assembly);

    public static string Get(string key, Lang lang) => Get(Resources, key, lang);
}
