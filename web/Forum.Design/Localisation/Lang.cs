using System.Globalization;

namespace Forum.Design.Localisation;

/// <summary>
/// The language of a request. English lives at the root and French under /fr: every page has one address per language,
/// so a link (in a mail, a bookmark, a search result) opens in the language it was given in, caches keep the two apart,
/// and nothing depends on cookies or JavaScript.
/// </summary>
public sealed record Lang(string Code, CultureInfo Culture)
{
    public static readonly Lang English = new("en", CultureInfo.GetCultureInfo("en"));

    public static readonly Lang French = new("fr", CultureInfo.GetCultureInfo("fr"));

    public const string FrenchPrefix = "/fr";

    public bool IsFrench => Code == "fr";

    public Lang Other => IsFrench ? English : French;

    // The record's own ToString would print Other, whose Other is this one, without end.
    public override string ToString() => Code;

    public static Lang Of(HttpContext http) => http.Items[typeof(Lang)] as Lang ?? English;

    /// <summary>The same page in <paramref name="target"/>: the path without the /fr prefix, with it for French.</summary>
    public static string AddressIn(HttpContext http, Lang target)
    {
        var path = http.Request.Path.HasValue && http.Request.Path.Value != "/" ? http.Request.Path.Value! : "/";
        var inTarget = target.IsFrench ? (path == "/" ? FrenchPrefix : FrenchPrefix + path) : path;
        // A form's answer (POST) is not a page one can open again: switching goes to the page itself.
        var query = HttpMethods.IsGet(http.Request.Method) ? http.Request.QueryString.Value : "";
        return inTarget + query;
    }
}

public static class LangMiddleware
{
    /// <summary>
    /// A request under /fr is served in French with /fr moved into PathBase, so the pages' routes and the links they
    /// generate (asp-page, form actions) stay in French without knowing about languages.
    /// </summary>
    public static IApplicationBuilder UseLanguageFromPath(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var lang = Lang.English;
        if (http.Request.Path.StartsWithSegments(Lang.FrenchPrefix, StringComparison.Ordinal, out var rest))
        {
            lang = Lang.French;
            http.Request.PathBase = http.Request.PathBase.Add(Lang.FrenchPrefix);
            http.Request.Path = rest.HasValue ? rest : "/";
        }

        http.Items[typeof(Lang)] = lang;
        CultureInfo.CurrentUICulture = lang.Culture;
        http.Response.Headers.ContentLanguage = lang.Code;
        await next(http);
    });
}
