using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Forum.Design.Security;

/// <summary>
/// Headers every answer carries. The Content-Security-Policy allows scripts and styles from this site only; the one
/// exception is a style element a page allows by its hash (the agenda grid places each session with one), which CSP
/// never extends to scripts. A hash rather than a nonce, so that a page kept by a cache stays valid and reveals nothing.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>Allows one inline style element whose text is exactly <paramref name="css"/>.</summary>
    public static void AllowStyle(HttpContext http, string css) =>
        http.Response.Headers.ContentSecurityPolicy = Policy(http, $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)))}'");

    /// <summary>
    /// For pages that show a secret (the access link): no address or token leaves in a Referer header, and the answer is
    /// not compressed over HTTPS (a secret beside reflected input in a compressed body is what BREACH guesses at).
    /// </summary>
    public static void NoReferrer(HttpContext http)
    {
        if (http.Features.Get<IHttpsCompressionFeature>() is { } compression)
        {
            compression.Mode = HttpsCompressionMode.DoNotCompress;
        }

        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers.CacheControl = "no-store";
    }

    /// <param name="formTargets">
    /// Origins a form's answer may redirect to besides this site: the staff app's identity provider, where signing out
    /// (a form) continues, and where an expired session's form post is sent to sign in again. Browsers apply
    /// form-action to those redirects too.
    /// </param>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, params string[] formTargets) => app.Use(async (http, next) =>
    {
        http.Items[typeof(SecurityHeaders)] = formTargets;
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Policy(http, null);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        await next(http);
    });

    private static string Policy(HttpContext http, string? inlineStyle) =>
        "default-src 'self'; script-src 'self'; " +
        $"style-src 'self'{(inlineStyle is null ? "" : " " + inlineStyle)}; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        $"form-action 'self'{string.Concat(((http.Items[typeof(SecurityHeaders)] as string[]) ?? []).Select(o => " " + o))}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
}
