using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;

namespace Forum.IdentityProvider.Tests;

/// <summary>Keys and accounts kept in files: each test starts providers of its own on a folder of its own.</summary>
[UnsupportedOSPlatform("windows")] // file modes
public sealed class PersistenceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("forum-identity-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Two_starts_on_one_keys_folder_publish_the_same_key_and_honour_each_others_tokens()
    {
        var keys = Path.Combine(_folder, "keys");
        string[] settings = [$"--IdentityProvider:KeysPath={keys}", .. InlineAccount()];
        var (first, issuer) = await ProviderFixture.StartAsync(settings);
        string kid, accessToken, refreshToken;
        try
        {
            kid = await KeyIdAsync(issuer);
            (accessToken, refreshToken) = await TokensAsync(issuer);
        }
        finally
        {
            await first.DisposeAsync();
        }

        // Same folder, same address (so the same issuer) after a restart.
        var (second, _) = await ProviderFixture.StartAsync(settings, issuer.Port);
        try
        {
            Assert.Equal(kid, await KeyIdAsync(issuer));
            using var client = new HttpClient { BaseAddress = issuer };
            var verified = await CodeFlow.VerifyAsync(client, accessToken, issuer, "forum-api");
            Assert.True(verified.IsValid, verified.Exception?.Message);

            // The refresh token was encrypted with the kept encryption key: the second start can read it.
            var (status, refreshed) = await CodeFlow.TokenAsync(client, new()
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["client_id"] = "forum-staff",
            });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(refreshed.TryGetProperty("access_token", out _));
        }
        finally
        {
            await second.DisposeAsync();
        }

        foreach (var file in new[] { "signing.pem", "encryption.key" })
        {
            Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(Path.Combine(keys, file)));
        }

        Assert.Contains("BEGIN PRIVATE KEY", await File.ReadAllTextAsync(Path.Combine(keys, "signing.pem")), StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String((await File.ReadAllTextAsync(Path.Combine(keys, "encryption.key"))).Trim()).Length);
    }

    [Fact]
    public async Task Without_a_keys_folder_each_start_has_a_new_key()
    {
        var (first, firstIssuer) = await ProviderFixture.StartAsync(InlineAccount());
        var (second, secondIssuer) = await ProviderFixture.StartAsync(InlineAccount());
        try
        {
            Assert.NotEqual(await KeyIdAsync(firstIssuer), await KeyIdAsync(secondIssuer));
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_accounts_file_is_made_once_with_three_accounts_private_to_its_owner_and_read_as_it_is_after()
    {
        var path = Path.Combine(_folder, "state", "accounts.json");
        var (first, issuer) = await ProviderFixture.StartAsync([$"--IdentityProvider:AccountsFile={path}"]);
        await first.DisposeAsync();

        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(path));
        var made = await File.ReadAllTextAsync(path);
        var accounts = JsonDocument.Parse(made).RootElement.EnumerateArray().ToList();
        Assert.Equal(
            [
                ("organiser@forum.test", "Olivia Organiser", "organiser"),
                ("protocol@forum.test", "Pierre Protocol", "protocol"),
                ("chief@forum.test", "Chiara Chief", "organiser protocol"),
            ],
            accounts.Select(a => (a.GetProperty("email").GetString(), a.GetProperty("name").GetString(),
                string.Join(' ', a.GetProperty("roles").EnumerateArray().Select(r => r.GetString())))));
        var passwords = accounts.Select(a => a.GetProperty("password").GetString()!).ToList();
        Assert.All(passwords, p => Assert.Matches("^[A-Za-z0-9]{16}$", p));
        Assert.Equal(3, passwords.Distinct().Count());

        // The next start reads it (the same passwords), and its accounts sign in.
        var (second, _) = await ProviderFixture.StartAsync([$"--IdentityProvider:AccountsFile={path}"], issuer.Port);
        try
        {
            Assert.Equal(made, await File.ReadAllTextAsync(path));
            using var browser = new Browser(issuer);
            var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(Pkce.New(), redirectUri: "http://127.0.0.1:5081/signin-oidc"),
                "protocol@forum.test", passwords[1]);
            Assert.True(CodeFlow.Query(callback).ContainsKey("code"));
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Starts_racing_to_make_a_private_file_all_read_the_one_that_was_made()
    {
        for (var round = 0; round < 20; round++)
        {
            var path = Path.Combine(_folder, $"race-{round}", "secret");
            using var start = new Barrier(8);
            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            {
                start.SignalAndWait();
                return PrivateFile.ReadOrCreate(path, () => [(byte)i, .. new byte[4096]]);
            })));

            Assert.Single(results, r => r.Created);
            Assert.All(results, r => Assert.Equal(File.ReadAllBytes(path), r.Content));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
        }
    }

    [Fact]
    public void Without_any_account_the_provider_does_not_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => IdentityProviderHost.Build(["--urls=http://127.0.0.1:0"]));

        Assert.Contains("IdentityProvider:AccountsFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_access_token_lifetime_comes_from_configuration()
    {
        var (app, issuer) = await ProviderFixture.StartAsync(["--IdentityProvider:AccessTokenLifetime=00:00:42", .. InlineAccount()]);
        try
        {
            var (accessToken, _) = await TokensAsync(issuer);
            var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(accessToken);
            Assert.Equal(TimeSpan.FromSeconds(42), token.ValidTo - token.IssuedAt);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static string[] InlineAccount() =>
    [
        "--IdentityProvider:Accounts:0:Email=olivia@forum.test",
        "--IdentityProvider:Accounts:0:Password=pw-olivia",
        "--IdentityProvider:Accounts:0:Roles:0=organiser",
    ];

    private static async Task<string> KeyIdAsync(Uri issuer)
    {
        using var client = new HttpClient { BaseAddress = issuer };
        var jwks = await client.GetFromJsonAsync<JsonElement>("/.well-known/jwks");
        return jwks.GetProperty("keys").EnumerateArray().Single().GetProperty("kid").GetString()!;
    }

    /// <summary>The code flow with the default client (forum-staff, the web client's redirect URI): an access and a refresh token.</summary>
    private static async Task<(string Access, string Refresh)> TokensAsync(Uri issuer)
    {
        using var browser = new Browser(issuer);
        using var client = new HttpClient { BaseAddress = issuer };
        var pkce = Pkce.New();
        const string redirect = "http://127.0.0.1:5081/signin-oidc";
        var callback = await CodeFlow.SignInAsync(browser, CodeFlow.AuthorizeUrl(pkce, redirectUri: redirect), "olivia@forum.test", "pw-olivia");
        var request = CodeFlow.CodeRequest(CodeFlow.Query(callback)["code"], pkce);
        request["redirect_uri"] = redirect;
        var (status, tokens) = await CodeFlow.TokenAsync(client, request);
        Assert.Equal(HttpStatusCode.OK, status);
        return (tokens.GetProperty("access_token").GetString()!, tokens.GetProperty("refresh_token").GetString()!);
    }
}
