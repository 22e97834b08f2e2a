using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Conferences;
using Forum.Api.Tests.Declarations;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>
/// The API signing staff in through a local identity provider (and a second one, whose tokens are foreign), with a
/// clock the tests move past the key refresh interval so that each starts free to fetch keys. Its own collection: the
/// tests count the provider's fetches, so they run one after the other.
/// </summary>
public class OidcApiFixture : ApiFixture
{
    public const string Audience = "forum-api";

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    public OidcApiFixture()
    {
        // Started before the API is built: its settings name the provider's address.
        Provider = LocalIdentityProvider.StartAsync(Clock, "alliance").GetAwaiter().GetResult();
        OtherProvider = LocalIdentityProvider.StartAsync(Clock, "elsewhere").GetAwaiter().GetResult();
    }

    public TestClock Clock { get; } = new();

    public LocalIdentityProvider Provider { get; }

    public LocalIdentityProvider OtherProvider { get; }

    /// <summary>What the API logged, from Debug up, whatever appsettings.json filters.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The environment the API runs in (a subclass sets Production).</summary>
    protected virtual string Environment => "Testing";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment(Environment);
        builder.UseSetting("Auth:Oidc:Issuer", Provider.Issuer);
        builder.UseSetting("Auth:Oidc:Audience", Audience);
        builder.UseSetting("Auth:Oidc:Roles:organiser:0", "Forum.Organiser");
        builder.UseSetting("Auth:Oidc:Roles:protocol:0", "Forum.Protocol");
        builder.UseSetting("Auth:Oidc:KeyRefreshInterval", RefreshInterval.ToString());
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).AddFilter<CapturedLogs>(null, LogLevel.Debug));
    }

    /// <summary>Moves the API's clock past the refresh interval: whatever an earlier test fetched, keys may be fetched again.</summary>
    public void NextRefreshWindow() => Clock.Set(Clock.GetUtcNow() + RefreshInterval + TimeSpan.FromSeconds(1));

    public HttpClient Bearer(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
        await OtherProvider.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

[CollectionDefinition(Name)]
public sealed class OidcCollection : ICollectionFixture<OidcApiFixture>
{
    public const string Name = "oidc";
}

[Collection(OidcCollection.Name)]
public sealed class OidcTests(OidcApiFixture api)
{
    private static readonly string[] Organiser = ["Forum.Organiser"];

    private LocalIdentityProvider Provider => api.Provider;

    private async Task<string> DraftAsync()
    {
        var slug = ApiFixture.NewSlug();
        await (await api.Organiser().PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).OkJsonAsync(201);
        return slug;
    }

    private Task<HttpResponseMessage> HistoryAsync(string slug, string token) => api.Bearer(token).GetAsync($"/api/conferences/{slug}/history");

    [Fact]
    public async Task An_RS256_organiser_token_from_the_identity_provider_creates_a_conference_in_its_subject_s_name()
    {
        var slug = ApiFixture.NewSlug();
        var token = Provider.Token(Organiser, subject: "alice");
        await (await api.Bearer(token).PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).OkJsonAsync(201);

        var history = await (await HistoryAsync(slug, token)).OkJsonAsync();
        Assert.Contains("organiser:alice", history.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_history_names_a_person_signed_in_through_the_identity_provider_by_their_display_name()
    {
        var slug = ApiFixture.NewSlug();
        var token = Provider.Token(Organiser, subject: "alice");
        await (await api.Bearer(token).PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).OkJsonAsync(201);

        var history = await (await HistoryAsync(slug, token)).OkJsonAsync();
        Assert.Equal("organiser:alice (Staff member alice)", history[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task An_ES256_organiser_token_with_its_role_as_a_string_is_accepted_on_an_organiser_route()
    {
        var slug = await DraftAsync();
        await (await HistoryAsync(slug, Provider.Token("Forum.Organiser", Provider.Ec))).OkJsonAsync();
    }

    [Fact]
    public async Task A_protocol_token_reaches_staff_routes_and_is_refused_on_an_organiser_route_with_403()
    {
        var slug = await DraftAsync();
        var protocol = Provider.Token(new[] { "Forum.Protocol", "offline_access" }, Provider.Ec);
        await (await api.Bearer(protocol).GetAsync($"/api/conferences/{slug}/delegations")).OkJsonAsync();
        await (await HistoryAsync(slug, protocol)).ProblemAsync(403, "forbidden");
    }

    [Fact]
    public async Task Role_values_the_mapping_does_not_name_grant_no_role()
    {
        var slug = await DraftAsync();
        await (await HistoryAsync(slug, Provider.Token(new[] { "organiser", "Forum.Organisers" }))).ProblemAsync(403, "forbidden");
        await (await HistoryAsync(slug, Provider.Token(roles: null))).ProblemAsync(403, "forbidden");
    }

    [Fact]
    public async Task Foreign_expired_tampered_and_unsigned_tokens_are_refused_with_401_without_fetching_keys()
    {
        var slug = await DraftAsync();
        await (await HistoryAsync(slug, Provider.Token(Organiser))).OkJsonAsync();
        var fetches = (Provider.JwksFetches, api.OtherProvider.JwksFetches);

        var refused = new Dictionary<string, string>
        {
            ["another audience"] = Provider.Token(Organiser, audience: "another-service"),
            ["another issuer"] = api.OtherProvider.Token(Organiser),
            ["another issuer, ES256"] = api.OtherProvider.Token(Organiser, api.OtherProvider.Ec),
            ["another issuer's key, our issuer named"] = api.OtherProvider.Token(Organiser, issuer: Provider.Issuer, keyId: Provider.Rsa.Id),
            ["expired"] = Provider.Token(Organiser, lifetime: TimeSpan.FromMinutes(-5)),
            ["tampered"] = Provider.Tampered(Organiser),
            ["alg none"] = Provider.WithoutSignature(Organiser),
            ["HS256 with the public key as secret"] = Provider.SignedWithPublicKeyAsSecret(Organiser),
            ["RS384 named"] = Provider.Token(Organiser, algorithm: "RS384"),
        };
        foreach (var (why, token) in refused)
        {
            var response = await HistoryAsync(slug, token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode}");
            await response.ProblemAsync(401, "unauthenticated");
        }

        Assert.Equal(fetches, (Provider.JwksFetches, api.OtherProvider.JwksFetches));
    }

    [Fact]
    public async Task A_token_signed_with_a_rotated_key_is_accepted_after_one_refresh_of_the_keys()
    {
        api.NextRefreshWindow();
        var slug = await DraftAsync();
        await (await HistoryAsync(slug, Provider.Token(Organiser))).OkJsonAsync();
        var before = Provider.JwksFetches;

        var old = Provider.Rsa;
        Provider.Rotate();
        var token = Provider.Token(Organiser);

        // At once, then one after the other: those arriving during the refresh wait for it rather than start their own.
        var together = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => HistoryAsync(slug, token)));
        Assert.All(together, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        for (var i = 0; i < 10; i++)
        {
            await (await HistoryAsync(slug, token)).OkJsonAsync();
        }

        Assert.Equal(before + 1, Provider.JwksFetches);

        // The old key is still published, so its tokens still count.
        await (await HistoryAsync(slug, Provider.Token(Organiser, old))).OkJsonAsync();
        Assert.Equal(before + 1, Provider.JwksFetches);
    }

    [Fact]
    public async Task Key_ids_that_stay_unknown_fetch_the_keys_at_most_once_per_refresh_interval()
    {
        api.NextRefreshWindow();
        var slug = await DraftAsync();
        await (await HistoryAsync(slug, Provider.Token(Organiser))).OkJsonAsync();
        var before = Provider.JwksFetches;

        // Signed with a published key, but naming an id the provider never published: no key is tried in its place.
        string Unknown() => Provider.Token(Organiser, keyId: "unknown-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var response in await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => HistoryAsync(slug, Unknown()))))
        {
            await response.ProblemAsync(401, "unauthenticated");
        }

        for (var i = 0; i < 10; i++)
        {
            await (await HistoryAsync(slug, Unknown())).ProblemAsync(401, "unauthenticated");
        }

        Assert.Equal(before + 1, Provider.JwksFetches);

        // Rate-limited, not given up: the next interval may fetch once more.
        api.NextRefreshWindow();
        await (await HistoryAsync(slug, Unknown())).ProblemAsync(401, "unauthenticated");
        await (await HistoryAsync(slug, Unknown())).ProblemAsync(401, "unauthenticated");
        Assert.Equal(before + 2, Provider.JwksFetches);
    }

    [Fact]
    public async Task While_the_keys_cannot_be_fetched_the_keys_fetched_before_stay_in_use_and_new_ones_are_fetched_later()
    {
        api.NextRefreshWindow();
        var slug = await DraftAsync();
        var old = Provider.Token(Organiser);
        await (await HistoryAsync(slug, old)).OkJsonAsync();

        Provider.Failing = true;
        try
        {
            Provider.Rotate();
            await (await HistoryAsync(slug, Provider.Token(Organiser))).ProblemAsync(401, "unauthenticated");
            await (await HistoryAsync(slug, old)).OkJsonAsync();
        }
        finally
        {
            Provider.Failing = false;
        }

        api.NextRefreshWindow();
        await (await HistoryAsync(slug, Provider.Token(Organiser))).OkJsonAsync();
    }

    [Fact]
    public async Task A_key_the_provider_withdrew_stops_working_once_the_keys_are_fetched_again()
    {
        api.NextRefreshWindow();
        var slug = await DraftAsync();
        var old = Provider.Rsa;
        await (await HistoryAsync(slug, Provider.Token(Organiser, old))).OkJsonAsync();

        Provider.Rotate();
        Provider.Withdraw(old);
        api.NextRefreshWindow();
        await (await HistoryAsync(slug, Provider.Token(Organiser))).OkJsonAsync();

        // No "last known good" keys: the withdrawn key is gone with the keys fetched before.
        await (await HistoryAsync(slug, Provider.Token(Organiser, old))).ProblemAsync(401, "unauthenticated");
    }

    [Fact]
    public async Task No_log_line_holds_a_token_or_a_key()
    {
        api.NextRefreshWindow();
        var slug = await DraftAsync();
        var accepted = Provider.Token(Organiser);
        var refused = new[]
        {
            Provider.Tampered(Organiser),
            Provider.Token(Organiser, lifetime: TimeSpan.FromMinutes(-5)),
            Provider.Token(Organiser, keyId: "unknown-" + Guid.NewGuid().ToString("N")[..8]),
            Provider.Token(Organiser, audience: "another-service"),
            api.OtherProvider.Token(Organiser),
            api.Token(Roles.Organiser, key: Convert.ToBase64String(new byte[48])),
            "not.a.token",
        };
        await (await HistoryAsync(slug, accepted)).OkJsonAsync();
        foreach (var token in refused)
        {
            await (await HistoryAsync(slug, token)).ProblemAsync(401, "unauthenticated");
        }

        // A token's payload and signature, the development key, the provider's public keys: none of them in any line.
        var secrets = refused.Append(accepted).SelectMany(t => t.Split('.').Skip(1)).Where(part => part.Length >= 8)
            .Append(api.SigningKey)
            .Concat(new[] { Provider.Rsa, Provider.Ec }.Select(k => JsonSerializer.Serialize(k.Jwk())).SelectMany(Jwk.KeyMaterial))
            .ToList();
        var lines = api.Logs.Lines.ToList();
        Assert.Contains(lines, line => line.Contains("Bearer", StringComparison.Ordinal)); // the refusals were logged, as the kind of failure
        Assert.DoesNotContain(lines, line => secrets.Any(secret => line.Contains(secret, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_development_token_keeps_working_beside_the_identity_provider()
    {
        var slug = await DraftAsync();
        await (await HistoryAsync(slug, api.Token(Roles.Organiser))).OkJsonAsync();
        await (await HistoryAsync(slug, api.Token(Roles.Organiser, key: Convert.ToBase64String(new byte[48])))).ProblemAsync(401, "unauthenticated");
    }

    [Fact]
    public async Task In_production_development_tokens_are_refused_once_the_identity_provider_is_configured()
    {
        await using var production = new ProductionOidcApi();
        var slug = ApiFixture.NewSlug();
        var organiser = production.Provider.Token(Organiser);
        await (await production.Bearer(organiser).PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).OkJsonAsync(201);

        var response = await production.Bearer(production.Token(Roles.Organiser)).GetAsync($"/api/conferences/{slug}/history");
        await response.ProblemAsync(401, "unauthenticated");
    }

    [Theory]
    [InlineData("roles", """{"roles":"Forum.Organiser"}""", "Forum.Organiser")]
    [InlineData("roles", """{"roles":["a","b",3]}""", "a b")]
    [InlineData("realm_access.roles", """{"realm_access":{"roles":["a"]}}""", "a")]
    [InlineData("https://alliance.example/roles", """{"https://alliance.example/roles":["a"]}""", "a")]
    [InlineData("groups", """{"roles":["a"]}""", "")]
    public void The_role_claim_is_read_as_a_string_an_array_or_a_dotted_path(string claim, string payload, string expected) =>
        Assert.Equal(expected, string.Join(' ', OidcTokenHandler.RoleValues(JsonDocument.Parse(payload).RootElement, claim)));

    [Theory]
    [InlineData("http://idp.example.org/realms/a", "forum", "https URL")]
    [InlineData("https://idp.example.org/realms/a", "", "Audience")]
    [InlineData("http://127.0.0.1:8080/realms/a", "forum", null)]
    [InlineData("https://idp.example.org/realms/a", "forum", null)]
    public void Settings_that_cannot_work_stop_the_start_naming_the_setting(string issuer, string audience, string? problem)
    {
        var found = new OidcOptions { Issuer = issuer, Audience = audience }.Problem();
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Through_the_back_channel_address_tokens_of_an_issuer_unreachable_at_its_own_address_are_accepted()
    {
        await using var behind = new BackchannelOidcApi(backchannel: true);
        var slug = ApiFixture.NewSlug();
        var token = behind.Provider.Token(Roles.Organiser, subject: "alice");
        await (await behind.Bearer(token).PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(slug))).OkJsonAsync(201);

        var history = await (await behind.Bearer(token).GetAsync($"/api/conferences/{slug}/history")).OkJsonAsync();
        Assert.Equal("organiser:alice (Staff member alice)", history[0].GetProperty("actor").GetString());
        Assert.Equal(1, behind.Provider.JwksFetches);
    }

    [Fact]
    public async Task Without_the_back_channel_address_tokens_of_an_issuer_unreachable_at_its_own_address_are_refused()
    {
        await using var behind = new BackchannelOidcApi(backchannel: false);
        var token = behind.Provider.Token(Roles.Organiser, subject: "alice");
        await (await behind.Bearer(token).PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(ApiFixture.NewSlug()))).ProblemAsync(401, "unauthenticated");
        Assert.Equal(0, behind.Provider.JwksFetches);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8083/", "http://identity:8080/", null)]
    [InlineData("http://127.0.0.1:8083/", "https://identity:8443", null)]
    [InlineData("https://login.alliance.example/realms/a", "https://login.internal:8443/", null)]
    [InlineData("https://login.alliance.example/realms/a", "http://login.internal:8080/", "must be https")]
    [InlineData("http://127.0.0.1:8083/", "http://identity:8080/realms/a", "an origin only")]
    [InlineData("http://127.0.0.1:8083/", "identity:8080", "an origin only")]
    public void The_back_channel_address_is_an_origin_and_https_unless_the_issuer_is_http_on_loopback(string issuer, string backchannel, string? problem)
    {
        var found = new OidcOptions { Issuer = issuer, Audience = "forum", BackchannelAddress = backchannel }.Problem();
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains("Auth:Oidc:BackchannelAddress", found, StringComparison.Ordinal);
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    /// <summary>The public parts of a JWK's key (modulus, curve point), which a log line must not copy either.</summary>
    private static class Jwk
    {
        public static List<string> KeyMaterial(string jwk)
        {
            using var json = JsonDocument.Parse(jwk);
            return new[] { "n", "x", "y" }.Where(p => json.RootElement.TryGetProperty(p, out _)).Select(p => json.RootElement.GetProperty(p).GetString()!).ToList();
        }
    }

    /// <summary>
    /// The API trusting a provider whose issuer names an origin where nothing listens (the address browsers would use),
    /// the provider listening elsewhere (where servers reach it), with or without that address as the back-channel.
    /// </summary>
    private sealed class BackchannelOidcApi(bool backchannel) : ApiFixture
    {
        public LocalIdentityProvider Provider { get; } =
            LocalIdentityProvider.StartAsync(TimeProvider.System, "alliance", $"http://127.0.0.1:{Notifications.ApiProcess.FreePort()}").GetAwaiter().GetResult();

        public HttpClient Bearer(string token)
        {
            var client = CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Auth:Oidc:Issuer", Provider.Issuer);
            builder.UseSetting("Auth:Oidc:Audience", OidcApiFixture.Audience);
            if (backchannel)
            {
                builder.UseSetting("Auth:Oidc:BackchannelAddress", Provider.Address + "/");
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await Provider.DisposeAsync();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>The same settings in Production, on a schema of its own.</summary>
    private sealed class ProductionOidcApi : OidcApiFixture
    {
        protected override string Environment => "Production";
    }
}
