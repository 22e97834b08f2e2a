namespace Forum.IdentityProvider;

/// <summary>
/// The provider's settings, section <c>IdentityProvider</c> (env vars <c>IdentityProvider__Issuer</c>, ..., or
/// <c>--IdentityProvider:Issuer=</c>).
/// </summary>
public sealed class IdentityProviderOptions
{
    /// <summary>Listen on http://127.0.0.1:{Port}. Unset: ASPNETCORE_URLS / --urls, else 5083.</summary>
    public int? Port { get; set; }

    /// <summary>
    /// The issuer, exactly as tokens and the discovery document name it (e.g. <c>http://127.0.0.1:5083/</c>). Unset:
    /// taken from each request's own address, which suits nothing but a quick look.
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>The access tokens' <c>aud</c>: what the Forum API expects (<c>Auth:Oidc:Audience</c>).</summary>
    public string Audience { get; set; } = "forum-api";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Where the RSA signing key (<c>signing.pem</c>) and the token encryption key (<c>encryption.key</c>) are kept,
    /// made there at the first start. Unset: new keys at every start, so earlier tokens no longer verify.
    /// </summary>
    public string? KeysPath { get; set; }

    /// <summary>The staff accounts, a JSON array; made with three accounts when missing. Unset: <c>accounts.json</c> under <see cref="KeysPath"/>, else none.</summary>
    public string? AccountsFile { get; set; }

    /// <summary>Accounts given in configuration (tests); when any is, the accounts file is not read.</summary>
    public List<AccountOptions> Accounts { get; set; } = [];

    /// <summary>The client applications. None configured: <see cref="ClientOptions.DefaultClient"/>.</summary>
    public List<ClientOptions> Clients { get; set; } = [];
}

public sealed class ClientOptions
{
    public string ClientId { get; set; } = "";

    /// <summary>Set: a confidential client, which must authenticate with it at the token endpoint. Unset: a public client.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Compared as strings, exactly (as OAuth 2.1 asks): no prefix, no wildcard.</summary>
    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>
    /// The web client of <c>./forum run</c> (http://127.0.0.1:5081) with ASP.NET Core's OpenID Connect handler's
    /// default callback paths: a public client, so nothing secret needs sharing in development.
    /// </summary>
    public static ClientOptions DefaultClient() => new()
    {
        ClientId = "forum-staff",
        RedirectUris = ["http://127.0.0.1:5081/signin-oidc", "http://localhost:5081/signin-oidc"],
        PostLogoutRedirectUris = ["http://127.0.0.1:5081/signout-callback-oidc", "http://localhost:5081/signout-callback-oidc"],
    };
}

public sealed class AccountOptions
{
    public string Email { get; set; } = "";

    public string Name { get; set; } = "";

    public string Password { get; set; } = "";

    public List<string> Roles { get; set; } = [];

    /// <summary>The <c>sub</c> claim. Unset: derived from the e-mail address, so it is the same at every start.</summary>
    public string? Subject { get; set; }
}
