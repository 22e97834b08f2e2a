using System.Globalization;

namespace Forum.Design.Localisation;

/// <summary>Numbers in the page's language: "12.5" and "67%" in English, "12,5" and "67 %" in French (invariant app, our own rules).</summary>
public static class Numbers
{
    public static string Of(decimal value, Lang lang)
    {
        var text = decimal.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
        return lang.IsFrench ? text.Replace('.', ',') : text;
    }

    public static string Of(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A share (0.6667) as a whole percentage.</summary>
    public static string Percent(decimal share, Lang lang)
    {
        var whole = decimal.Round(share * 100, 0, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture);
        return lang.IsFrench ? whole + "\u202f%" : whole + "%";
    }
}
