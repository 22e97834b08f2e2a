using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;

namespace Forum.Web.Security;

/// <summary>
/// Headers every answer carries. The Content-Security-Policy allows scripts and styles from this site only; the one
/// exception is a style element carrying the request's nonce (the agenda grid places each session with it), which
/// CSP never extends to scripts.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "csp-nonce";

    public static string Nonce(HttpContext http) => (string)http.Items[NonceKey]!;

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

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        http.Items[NonceKey] = nonce;
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; " +
            $"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        await next(http);
    });
}
