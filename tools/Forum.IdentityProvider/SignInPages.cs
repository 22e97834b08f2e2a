using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Forum.IdentityProvider;

/// <summary>
/// The sign-in form and the few pages around it: server-rendered HTML, labelled fields, an error summary, no script.
/// </summary>
public static partial class SignInPages
{
    public const string WrongCredentials = "The e-mail address or password is not right";

    private const string Style = """
        body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#0b0c0c}
        label{display:block;font-weight:600;margin-top:1rem}
        input[type=email],input[type=password]{display:block;width:100%;box-sizing:border-box;padding:.4rem;font-size:1rem;border:2px solid #0b0c0c}
        input:focus,button:focus,a:focus{outline:3px solid #fd0;outline-offset:0}
        button{margin-top:1.5rem;padding:.5rem 1rem;font-size:1rem;background:#00703c;color:#fff;border:0}
        .error-summary{border:4px solid #d4351c;padding:.5rem 1rem}
        .error-summary a{color:#d4351c;font-weight:600}
        """;

    // The one inline style is allowed by its hash: no script, no other source, not framed.
    private static readonly string Policy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; frame-ancestors 'none'; base-uri 'none'";

    public static void MapSignInPages(this WebApplication app)
    {
        app.MapGet("/", HomeAsync);
        app.MapGet("/account/signin", (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            SignInForm(http, antiforgery, LocalOrRoot(returnUrl), email: null, error: null, StatusCodes.Status200OK));
        app.MapPost("/account/signin", SignInAsync);
        app.MapGet("/account/signedout", () => Page("Signed out", "<h1>You are signed out</h1>\n<p>You may close this window.</p>"));
        app.MapGet("/health", () => Results.Text("ok"));
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, AccountStore accounts, ILoggerFactory logs)
    {
        var form = await http.Request.ReadFormAsync();
        var returnUrl = LocalOrRoot(form["returnUrl"]);
        var email = form["email"].ToString();
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return SignInForm(http, antiforgery, returnUrl, email, "The form had expired: please sign in again", StatusCodes.Status400BadRequest);
        }

        var log = logs.CreateLogger("Forum.IdentityProvider.SignIn");
        var account = accounts.Verify(email, form["password"]);
        if (account is null)
        {
            LogRefused(log);
            return SignInForm(http, antiforgery, returnUrl, email, WrongCredentials, StatusCodes.Status200OK);
        }

        var identity = new ClaimsIdentity(ConnectEndpoints.SessionScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, account.Subject));
        identity.AddClaim(new Claim(Claims.Name, account.Name));
        await http.SignInAsync(ConnectEndpoints.SessionScheme, new ClaimsPrincipal(identity));
        LogSignedIn(log, account.Subject);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> HomeAsync(HttpContext http, AccountStore accounts)
    {
        var session = await http.AuthenticateAsync(ConnectEndpoints.SessionScheme);
        var account = session.Succeeded ? accounts.FindBySubject(session.Principal.FindFirstValue(Claims.Subject)) : null;
        var who = account is null
            ? "<p>Nobody is signed in. Client applications send people here to sign in.</p>"
            : $"<p>Signed in as {H(account.Name)} ({H(account.Email)}).</p>\n<p><a href=\"/connect/endsession\">Sign out</a></p>";
        return Page("Forum identity provider", $"""
            <h1>Forum identity provider</h1>
            <p>The stand-in for the alliance's identity provider, for development and tests.</p>
            {who}
            <p><a href="/.well-known/openid-configuration">Discovery document</a></p>
            """);
    }

    private static HtmlPage SignInForm(HttpContext http, IAntiforgery antiforgery, string returnUrl, string? email, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var invalid = error is null ? "" : " aria-invalid=\"true\"";
        var summary = error is null ? "" : $"""
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
              <h2 id="error-summary-title">There is a problem</h2>
              <ul><li><a href="#email">{H(error)}</a></li></ul>
            </div>

            """;
        var body = $"""
            {summary}<h1>Sign in to Forum</h1>
            <form method="post" action="/account/signin" novalidate>
              <input type="hidden" name="{H(tokens.FormFieldName)}" value="{H(tokens.RequestToken ?? "")}">
              <input type="hidden" name="returnUrl" value="{H(returnUrl)}">
              <label for="email">E-mail address</label>
              <input type="email" id="email" name="email" autocomplete="username" spellcheck="false" value="{H(email ?? "")}"{invalid}>
              <label for="password">Password</label>
              <input type="password" id="password" name="password" autocomplete="current-password"{invalid}>
              <button type="submit">Sign in</button>
            </form>
            """;
        return Page(error is null ? "Sign in" : "Error: Sign in", body, status);
    }

    private static HtmlPage Page(string title, string body, int status = StatusCodes.Status200OK) => new HtmlPage(
        $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{H(title)} – Forum</title>
        <style>{Style}</style>
        </head>
        <body>
        <main>
        {body}
        </main>
        </body>
        </html>
        """, status);

    /// <summary>Only a path on this provider is followed after signing in: never another site (an open redirect).</summary>
    public static string LocalOrRoot(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : "/";

    private static string H(string value) => HtmlEncoder.Default.Encode(value);

    private sealed class HtmlPage(string html, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentSecurityPolicy = Policy;
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            return response.WriteAsync(html);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A sign-in was refused (unknown e-mail address or wrong password)")]
    private static partial void LogRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed in: subject {Subject}")]
    private static partial void LogSignedIn(ILogger logger, string subject);
}
