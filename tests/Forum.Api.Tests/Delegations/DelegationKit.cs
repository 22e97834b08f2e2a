using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Conferences;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Forum.Api.Tests.Delegations;

/// <summary>A delegation as its registration answered it: the parsed view, the secret token shown once, its ETag.</summary>
public sealed record Registered(HttpResponseMessage Response, JsonElement Body, string Token, string ETag)
{
    public Guid Id => Body.GetProperty("id").GetGuid();

    public Guid MemberId(int index) => Body.GetProperty("members")[index].GetProperty("id").GetGuid();
}

/// <summary>A fresh conference open for registration, for one test, with the callers a delegation test needs.</summary>
public sealed class DelegationKit
{
    private readonly ApiFixture api;

    private DelegationKit(ApiFixture api, string slug)
    {
        this.api = api;
        Slug = slug;
        Organiser = api.Organiser();
        Protocol = api.As(Roles.Protocol);
        Anonymous = api.Anonymous();
    }

    public string Slug { get; }

    public HttpClient Organiser { get; }

    public HttpClient Protocol { get; }

    public HttpClient Anonymous { get; }

    public string Url(string path = "") => $"/api/conferences/{Slug}{path}";

    public static string DelegationUrl(Guid id, string path = "") => $"/api/delegations/{id}{path}";

    /// <summary>Creates a conference; by default publishes it and opens its registration.</summary>
    public static async Task<DelegationKit> CreateAsync(ApiFixture api, int capacity = 300, int delegationQuota = 4, bool publish = true, bool open = true)
    {
        var kit = new DelegationKit(api, ApiFixture.NewSlug());
        await (await kit.Organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(kit.Slug, capacity: capacity, delegationQuota: delegationQuota))).OkJsonAsync(201);
        if (publish)
        {
            await (await kit.Organiser.PostJsonAsync(kit.Url("/publish"), null)).OkJsonAsync();
        }

        if (publish && open)
        {
            await kit.OpenRegistrationAsync();
        }

        return kit;
    }

    public async Task OpenRegistrationAsync() => await (await Organiser.PostJsonAsync(Url("/registration/open"), null)).OkJsonAsync();

    public async Task CloseRegistrationAsync() => await (await Organiser.PostJsonAsync(Url("/registration/close"), null)).OkJsonAsync();

    /// <summary>An illustrative member: "Member 2 of BE", member2.be@example.org.</summary>
    public static object Member(string tag, int number, bool isHead = false, string? rank = null, string? function = null, bool? hasFullPowers = null) => new
    {
        name = MemberName(tag, number),
        function = function ?? (isHead ? "Minister of Justice" : $"Adviser {number} of the delegation of {tag}"),
        rank = rank ?? (isHead ? "Minister" : "SeniorOfficial"),
        email = MemberEmail(tag, number),
        isHead,
        hasFullPowers,
    };

    public static string MemberName(string tag, int number) => $"Member {number.ToString(CultureInfo.InvariantCulture)} of {tag}";

    public static string MemberEmail(string tag, int number) =>
        $"member{number.ToString(CultureInfo.InvariantCulture)}.{new string(tag.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant()}@example.org";

    public static object FocalPoint(string tag) => new
    {
        name = $"Focal point of {tag}",
        email = FocalPointEmail(tag),
    };

    public static string FocalPointEmail(string tag) => $"focal.{new string(tag.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant()}@example.org";

    /// <summary>The members of a delegation: a head of ministerial rank (Member 1) and the advisers (Member 2, 3, ...).</summary>
    public static object[] Members(string tag, int advisers) =>
        [Member(tag, 1, isHead: true), .. Enumerable.Range(2, advisers).Select(n => Member(tag, n))];

    /// <summary>A state's registration, by its ISO code, with a minister at its head and the given number of advisers.</summary>
    public static object State(string code, int advisers = 2) => new
    {
        party = new { kind = "State", code },
        focalPoint = FocalPoint(code),
        members = Members(code, advisers),
    };

    public static object StateWith(string code, object[] members, object? focalPoint = null) => new
    {
        party = new { kind = "State", code },
        focalPoint = focalPoint ?? FocalPoint(code),
        members,
    };

    /// <summary>An organisation's registration: Company, InternationalOrganisation, NonGovernmentalOrganisation or LawEnforcement.</summary>
    public static object Organisation(string name, string kind = "Company", int advisers = 1) => new
    {
        party = new { kind, name },
        focalPoint = FocalPoint(name),
        members = Members(name, advisers),
    };

    public Task<HttpResponseMessage> RegisterRawAsync(object body, string? idempotencyKey = null, HttpClient? via = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url("/delegations")) { Content = JsonContent.Create(body, options: ApiFixture.JsonOptions) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return (via ?? api.Anonymous()).SendAsync(request);
    }

    public async Task<Registered> RegisterAsync(object body, string? idempotencyKey = null)
    {
        var response = await RegisterRawAsync(body, idempotencyKey);
        return await ParseRegisteredAsync(response);
    }

    public static async Task<Registered> ParseRegisteredAsync(HttpResponseMessage response)
    {
        var body = await response.OkJsonAsync(201);
        var token = body.GetProperty("accessToken").GetString();
        Assert.False(string.IsNullOrEmpty(token));
        var etag = response.Headers.ETag?.Tag;
        Assert.NotNull(etag);
        return new Registered(response, body, token!, etag!);
    }

    /// <summary>A client that speaks as a delegation's focal point.</summary>
    public HttpClient FocalPointClient(string token)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient FocalPointClient(Registered delegation) => FocalPointClient(delegation.Token);

    /// <summary>The delegation as the organiser sees it, with its ETag.</summary>
    public async Task<(JsonElement Body, string ETag)> StaffViewAsync(Guid id)
    {
        var response = await Organiser.GetAsync(DelegationUrl(id));
        var body = await response.OkJsonAsync();
        return (body, response.Headers.ETag?.Tag ?? "");
    }

    public async Task<JsonElement> DelegationsAsync() => await (await Organiser.GetAsync(Url("/delegations"))).OkJsonAsync();

    public async Task<string> DelegationsTextAsync()
    {
        var response = await Organiser.GetAsync(Url("/delegations"));
        await response.OkJsonAsync();
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<JsonElement> WaitingListAsync() => await (await Organiser.GetAsync(Url("/waiting-list"))).OkJsonAsync();

    public static Task<HttpResponseMessage> SendJsonAsync(HttpClient client, HttpMethod method, string url, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: ApiFixture.JsonOptions);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static JsonElement MemberOf(JsonElement delegation, Guid memberId) =>
        delegation.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == memberId);

    public static string PlaceOf(JsonElement member) => member.GetProperty("place").GetProperty("status").GetString()!;

    public static int? WaitingPositionOf(JsonElement member) =>
        member.GetProperty("place").TryGetProperty("waitingPosition", out var position) && position.ValueKind == JsonValueKind.Number ? position.GetInt32() : null;

    public static string AccreditationOf(JsonElement member) => member.GetProperty("accreditation").GetProperty("status").GetString()!;

    public static string StatusOf(JsonElement member) => member.GetProperty("status").GetString()!;

    public static bool IsNullOrAbsent(JsonElement element, string property) =>
        !element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null;

    /// <summary>Every row of every table of the API's schema as text: what someone with the database in hand could read.</summary>
    public static async Task<string> DatabaseTextAsync(ApiFixture api)
    {
        var store = api.Services.GetRequiredService<Forum.EventStore.EventStore>();
        await using var connection = await store.DataSource.OpenConnectionAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", connection))
        {
            list.Parameters.Add(new NpgsqlParameter { Value = store.SchemaName });
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.NotEmpty(tables);
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var dump = new NpgsqlCommand($"SELECT t::text FROM \"{store.SchemaName}\".\"{table}\" t", connection);
            await using var reader = await dump.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(reader.GetString(0));
            }
        }

        return text.ToString();
    }

    public static long Version(string etag) => long.Parse(etag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture);
}
