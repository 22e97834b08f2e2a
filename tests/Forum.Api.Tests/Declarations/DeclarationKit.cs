using System.Globalization;
using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Declarations;

/// <summary>The time the API reads: the real clock moved by an offset a test sets, so that time still passes.</summary>
public sealed class TestClock : TimeProvider
{
    private long offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref offsetTicks));

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref offsetTicks, (now - base.GetUtcNow()).Ticks);

    public void Reset() => Interlocked.Exchange(ref offsetTicks, 0);
}

/// <summary>
/// The API with a clock the declaration tests move (signing ceremonies, reporting deadlines); its own collection, so
/// moving the clock never reaches other tests, and its tests run one after the other.
/// </summary>
public sealed class ClockedApiFixture : ApiFixture
{
    public TestClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

[CollectionDefinition(Name)]
public sealed class ClockedCollection : ICollectionFixture<ClockedApiFixture>
{
    public const string Name = "clocked";
}

/// <summary>A conference with accredited delegations and the calls declaration tests make.</summary>
public sealed class DeclarationKit
{
    private DeclarationKit(ClockedApiFixture api, DelegationKit delegations)
    {
        Api = api;
        Delegations = delegations;
    }

    public ClockedApiFixture Api { get; }

    public DelegationKit Delegations { get; }

    public string Slug => Delegations.Slug;

    public HttpClient Organiser => Delegations.Organiser;

    public HttpClient Protocol => Delegations.Protocol;

    public HttpClient Anonymous => Delegations.Anonymous;

    public static string Url(Guid id, string path = "") => $"/api/declarations/{id}{path}";

    /// <summary>A published conference open for registration, its clock at <paramref name="now"/> (today when left out).</summary>
    public static async Task<DeclarationKit> CreateAsync(ClockedApiFixture api, DateTimeOffset? now = null)
    {
        api.Clock.Reset();
        if (now is { } at)
        {
            api.Clock.Set(at);
        }

        return new DeclarationKit(api, await DelegationKit.CreateAsync(api));
    }

    public static object Text(string title = "Declaration on cooperation", int commitments = 2, string? preamble = null, string? reportingDeadline = null) => new
    {
        title,
        preamble = preamble ?? "The signatories join forces.",
        commitments = Enumerable.Range(1, commitments).Select(n => n == commitments
            ? (object)new { text = $"Commitment {n.ToString(CultureInfo.InvariantCulture)}: grow the shared database.", indicator = new { name = "Growth of the shared database", unit = "percent" }, yearlyTarget = 10 }
            : new { text = $"Commitment {n.ToString(CultureInfo.InvariantCulture)}: identify more victims." }).ToArray(),
        reportingDeadline,
    };

    public async Task<(Guid Id, string ETag)> DraftAsync(object? text = null)
    {
        var response = await Organiser.PostJsonAsync(Delegations.Url("/declarations"), text ?? Text());
        var body = await response.OkJsonAsync(201);
        Assert.Equal($"/api/declarations/{body.GetProperty("id").GetGuid()}", response.Headers.Location?.OriginalString);
        return (body.GetProperty("id").GetGuid(), response.Headers.ETag!.Tag);
    }

    /// <summary>Drafted, adopted and open for signature now.</summary>
    public async Task<Guid> OpenAsync(object? text = null)
    {
        var (id, _) = await DraftAsync(text);
        await (await Organiser.PostJsonAsync(Url(id, "/adopt"), null)).OkJsonAsync();
        await (await Organiser.PostJsonAsync(Url(id, "/open-for-signature"), new { })).OkJsonAsync();
        return id;
    }

    /// <summary>Registers a delegation and accredits every member.</summary>
    public async Task<Registered> AccreditedAsync(object registration)
    {
        var delegation = await Delegations.RegisterAsync(registration);
        foreach (var member in delegation.Body.GetProperty("members").EnumerateArray())
        {
            await (await Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{member.GetProperty("id").GetGuid()}/accreditation"), new { decision = "approve" }))
                .OkJsonAsync();
        }

        return delegation;
    }

    public Task<HttpResponseMessage> SignRawAsync(Guid id, Registered delegation, int member = 0, HttpClient? via = null, object? extra = null) =>
        (via ?? Organiser).PostJsonAsync(Url(id, "/signatures"), extra ?? new { delegationId = delegation.Id, memberId = delegation.MemberId(member) });

    public async Task<JsonElement> SignAsync(Guid id, Registered delegation, int member = 0, HttpClient? via = null) =>
        await (await SignRawAsync(id, delegation, member, via)).OkJsonAsync();

    public async Task<(JsonElement Body, string ETag)> RegisterOfAsync(Guid id)
    {
        var response = await Anonymous.GetAsync(Url(id, "/signatories"));
        return (await response.OkJsonAsync(), response.Headers.ETag!.Tag);
    }

    public static JsonElement Row(JsonElement register, string partyName) =>
        register.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rows").EnumerateArray())
            .Single(r => r.GetProperty("party").GetProperty("name").GetString() == partyName);

    public async Task ConcludeAsync()
    {
        await Delegations.CloseRegistrationAsync();
        await (await Organiser.PostJsonAsync(Delegations.Url("/conclude"), null)).OkJsonAsync();
    }

    /// <summary>A report on every commitment of a two-commitment declaration: the status of each and the value of the second's indicator.</summary>
    public static object Report(Guid delegationId, int year, string first, string second, decimal? value) => new
    {
        delegationId,
        year,
        commitments = new object[]
        {
            new { number = 1, status = first, narrative = "Victim identification teams were set up." },
            new { number = 2, status = second, indicatorValue = value, narrative = "The database grew." },
        },
    };
}
