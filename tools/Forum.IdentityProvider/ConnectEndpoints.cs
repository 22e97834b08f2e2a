using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Forum.IdentityProvider;

/// <summary>
/// The endpoints OpenIddict validated and passed through to us (passthrough mode): who is signed in, and which claims
/// go into which token. The protocol itself (codes, PKCE, token responses, redirects with state) is OpenIddict's.
/// </summary>
public static class ConnectEndpoints
{
    /// <summary>The provider's own session cookie: a person signed in here is not asked again by the next client.</summary>
    public const string SessionScheme = "Forum.IdentityProvider.Session";

    /// <summary>The Forum API's scope: asking for it is asking for an access token the API accepts.</summary>
    public const string ApiScope = "forum-api";

    private const string ServerScheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static void MapConnectEndpoints(this WebApplication app)
    {
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        app.MapPost("/connect/token", TokenAsync);
        app.MapMethods("/connect/endsession", [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync);
        app.MapMethods("/connect/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync);
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, AccountStore accounts, TimeProvider time, IdentityProviderOptions options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict passed no authorization request.");
        var session = await http.AuthenticateAsync(SessionScheme);
        var account = session.Succeeded ? accounts.FindBySubject(session.Principal.FindFirstValue(Claims.Subject)) : null;
        var signedInAt = session.Properties?.IssuedUtc ?? time.GetUtcNow();
        var tooOld = request.MaxAge is long maxAge && time.GetUtcNow() - signedInAt > TimeSpan.FromSeconds(maxAge);
        if (account is null || tooOld || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Results.Forbid(ErrorProperties(Errors.LoginRequired, "Nobody is signed in."), [ServerScheme]);
            }

            // To the sign-in page, which comes back here; without prompt, or prompt=login would ask again forever.
            var back = request.GetParameters()
                .Where(p => p.Key != Parameters.Prompt)
                .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value));
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(back) },
                [SessionScheme]);
        }

        var identity = Identity(account, request.GetScopes(), options.Audience, signedInAt);
        identity.SetClaim(RedeemedCodes.CodeIdClaim, Guid.NewGuid().ToString("N"));
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, ServerScheme);
    }

    private static async Task<IResult> TokenAsync(HttpContext http, AccountStore accounts, IdentityProviderOptions options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict passed no token request.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            // Only these two flows are allowed: OpenIddict refuses the others before they reach us.
            throw new InvalidOperationException($"Grant type {request.GrantType} was not refused by OpenIddict.");
        }

        // The code or refresh token, decrypted and checked (client, redirect_uri, code_verifier, lifetime) by OpenIddict.
        var grant = await http.AuthenticateAsync(ServerScheme);
        var account = accounts.FindBySubject(grant.Principal?.GetClaim(Claims.Subject));
        if (grant.Principal is null || account is null)
        {
            return Results.Forbid(ErrorProperties(Errors.InvalidGrant, "The account no longer exists."), [ServerScheme]);
        }

        // The account as it is now (a role taken away is gone at the next refresh); the scopes are the grant's.
        var signedInAt = grant.Principal.GetClaim(Claims.AuthenticationTime) is { } authTime && long.TryParse(authTime, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        var identity = Identity(account, grant.Principal.GetScopes(), options.Audience, signedInAt);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, ServerScheme);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(SessionScheme);

        // OpenIddict redirects to the post_logout_redirect_uri it validated, with the state; without one, to our page.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/signedout" }, [ServerScheme]);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, AccountStore accounts)
    {
        var token = await http.AuthenticateAsync(ServerScheme);
        var account = accounts.FindBySubject(token.Principal?.GetClaim(Claims.Subject));
        if (token.Principal is null || account is null)
        {
            return Results.Challenge(ErrorProperties(Errors.InvalidToken, "The access token names no account of this provider."), [ServerScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = account.Subject };
        if (token.Principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = account.Name;
        }

        if (token.Principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = account.Email;
        }

        if (token.Principal.HasScope(Scopes.Roles))
        {
            claims[Claims.Role] = account.Roles;
        }

        return Results.Json(claims);
    }

    /// <summary>
    /// The claims of the tokens: the access token always carries sub, name, email and one role claim per role (what
    /// the Forum API reads); the ID token carries sub, and name, email and roles as the scopes profile, email and
    /// roles allow.
    /// </summary>
    public static ClaimsIdentity Identity(StaffAccount account, IEnumerable<string> scopes, string audience, DateTimeOffset? signedInAt)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Subject)
            .SetClaim(Claims.Name, account.Name)
            .SetClaim(Claims.Email, account.Email)
            .SetClaims(Claims.Role, [.. account.Roles]);
        if (signedInAt is { } at)
        {
            identity.SetClaim(Claims.AuthenticationTime, at.ToUnixTimeSeconds());
        }

        identity.SetScopes(scopes);
        identity.SetResources(audience);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name when identity.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Email when identity.HasScope(Scopes.Email) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Role when identity.HasScope(Scopes.Roles) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name or Claims.Email or Claims.Role => [Destinations.AccessToken],
            Claims.AuthenticationTime => [Destinations.IdentityToken],
            _ => [],
        });
        return identity;
    }

    private static AuthenticationProperties ErrorProperties(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });
}
