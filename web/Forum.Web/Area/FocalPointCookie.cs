namespace Forum.Web.Area;

/// <summary>
/// The focal point's access token, once it has left the address: an HttpOnly, SameSite=Strict cookie (Secure outside
/// Development), so scripts cannot read it, other sites cannot send it, and the browser's history and Referer headers
/// never hold it. The token is only ever sent to the API, as a bearer token.
/// </summary>
public static class FocalPointCookie
{
    public const string Name = "forum-access";

    /// <summary>Set by a page that found no delegation for the token: the error page then says the link no longer works.</summary>
    public const string GoneKey = "forum-access-gone";

    /// <summary>Whether a text has the shape of the API's access tokens (43 base64url characters), before asking the API.</summary>
    public static bool IsTokenShaped(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string? Read(HttpRequest request) =>
        request.Cookies.TryGetValue(Name, out var token) && IsTokenShaped(token) ? token : null;

    public static void Write(HttpContext http, string token) =>
        http.Response.Cookies.Append(Name, token, Options(http));

    public static void Clear(HttpContext http) => http.Response.Cookies.Delete(Name, Options(http));

    private static CookieOptions Options(HttpContext http) => new()
    {
        HttpOnly = true,
        Secure = !http.RequestServices.GetRequiredService<IWebHostEnvironment>().IsDevelopment(),
        SameSite = SameSiteMode.Strict,
        Path = "/",
        IsEssential = true,
    };
}
