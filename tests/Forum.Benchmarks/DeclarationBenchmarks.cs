using System.Net;
using System.Text.Json;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Demo;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Forum.Benchmarks;

/// <summary>
/// Public reads of a declaration with 200 signatories and 5 years of reports through the real API on Kestrel, beside
/// the same server answering the same bytes from memory: the ratio says what reading the rendered register and
/// aggregate costs (a small head document per request, the bytes cached per process by its stamp).
/// </summary>
internal static class DeclarationBenchmarks
{
    public const string Register = "GET register of signatories (200 parties), 16 clients";
    public const string Progress = "GET progress of a year (200 signatories, 5 years of reports), 16 clients";
    private const int Clients = 16;
    private const int Parties = 200;
    private const int Years = 5;
    private const string Actor = "system:bench";
    private static readonly string[] OrganisationKinds = ["InternationalOrganisation", "Company", "NonGovernmentalOrganisation", "LawEnforcement"];

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var schema = await ctx.NewSchemaAsync("declarations");
        var memory = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var api = new BenchApi(connectionString, schema, memory);
        api.StartServer();
        var (id, year) = await SeedAsync(api.Services);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = api.BaseAddress,
        };
        var figures = new List<Figure>();
        var register = $"/api/declarations/{id}/signatories";
        var progress = $"/api/declarations/{id}/progress";
        foreach (var (name, path, query) in new[] { (Register, register, ""), (Progress, progress, $"?year={year}") })
        {
            // The memory route matches the path alone; both sides send the same query.
            var bytes = await http.GetByteArrayAsync(path + query);
            memory[path] = bytes;
            BenchContext.Log($"{name}: {bytes.Length:N0} bytes per answer");
            figures.Add(await AppendBenchmarks.CompareAsync(ctx, name, Clients, ReadBenchmarks.Get(http, "/bench/memory" + path + query, bytes.Length), ReadBenchmarks.Get(http, path + query, bytes.Length), "requests/s"));
        }

        return figures;
    }

    /// <summary>
    /// Through the application's own commands: 200 delegations (120 states, 80 organisations of four kinds), each
    /// with an accredited head of ministerial rank; a declaration adopted and opened four years before this one
    /// began, signed by all 200 that day, and a report from every party on every year since (decided on a clock set
    /// to each moment, before each year's deadline). Returns the declaration and a year in the middle.
    /// </summary>
    private static async Task<(Guid Id, int Year)> SeedAsync(IServiceProvider services)
    {
        var conferences = services.GetRequiredService<ConferenceService>();
        var delegations = services.GetRequiredService<DelegationService>();
        var clock = new HistoricalClock();
        var declarations = new DeclarationService(services.GetRequiredService<EventStore.EventStore>(), services.GetRequiredService<Forum.EventStore.Projections.WatchedDocuments>(), services.GetRequiredService<PersonalDataVault>(), clock);
        var zone = DateTimeZoneProviders.Tzdb["Europe/Brussels"];
        var today = SystemClock.Instance.GetCurrentInstant().InZone(zone).LocalDateTime;
        var first = today.Year - Years + 1;
        var day = new LocalDate(first, 6, 10);
        const string slug = "bench-declaration";
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, "Declaration Benchmark", null, new VenueRequest("Conference centre", "Brussels", "BE"), "Europe/Brussels",
            $"{day:yyyy-MM-dd}", $"{day:yyyy-MM-dd}", ["en"], 1000, 4), Actor, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), Actor, null, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), Actor, null, CancellationToken.None);

        BenchContext.Log($"seeding {Parties} delegations, {Parties} signatures and {Years} x {Parties} reports through the services");
        var codes = Enumerable.Range('A', 26).SelectMany(a => Enumerable.Range('A', 26).Select(b => $"{(char)a}{(char)b}")).Where(c => Countries.NameOf(c) is not null).Take(120).ToList();
        var signers = new List<(Guid Delegation, Guid Head)>();
        for (var i = 0; i < Parties; i++)
        {
            var party = i < codes.Count
                ? new PartyRequest("State", codes[i], null)
                : new PartyRequest(OrganisationKinds[i % OrganisationKinds.Length], null, $"Organisation {i}");
            var view = await delegations.RegisterAsync(slug, new RegisterDelegationRequest(
                party, new ContactRequest($"Focal point {i}", $"focal.{i}@example.org"),
                [new MemberRequest($"Head of delegation {i}", "Minister of Justice", "Minister", $"head.{i}@example.org", true, null)]), null, Actor, CancellationToken.None);
            var head = view.Members.Single();
            await delegations.DecideAccreditationAsync(view.Id, head.Id, new AccreditationRequest("approve", null), null, Actor, CancellationToken.None);
            signers.Add((view.Id, head.Id));
        }

        clock.Set(day.At(new LocalTime(9, 0)), zone);
        var id = (await declarations.DraftAsync(slug, new DraftDeclarationRequest(
            "Benchmark Declaration against online child sexual abuse",
            "The signatories join forces to identify more victims, bring more perpetrators to justice and reduce the availability of abuse material online.",
            Enumerable.Range(1, 8).Select(n => (CommitmentRequest?)new CommitmentRequest(
                $"Commitment {n}: enhance efforts on this part of the fight, and report on it every year.",
                n % 4 == 0 ? new IndicatorRequest($"Indicator of commitment {n}", "percent") : null,
                n % 4 == 0 ? 10 : null)).ToList(),
            null), Actor, CancellationToken.None)).Id;
        clock.Set(day.At(new LocalTime(10, 0)), zone);
        await declarations.AdoptAsync(id, null, Actor, CancellationToken.None);
        await declarations.OpenForSignatureAsync(id, null, null, Actor, CancellationToken.None);
        for (var i = 0; i < signers.Count; i++)
        {
            clock.Set(day.At(new LocalTime(11, 0)).PlusSeconds(10 * i), zone);
            await declarations.SignAsync(id, new SignRequest(signers[i].Delegation, signers[i].Head, null, day), null, Actor, CancellationToken.None);
        }

        // One after the other: reports of one year share that year's figures (see the report).
        for (var year = first; year <= today.Year; year++)
        {
            var at = LocalDateTime.Min(new LocalDateTime(year + 1, 3, 1, 9, 0), today);
            clock.Set(at, zone);
            for (var i = 0; i < signers.Count; i++)
            {
                await declarations.ReportAsync(id, new ReportRequest(signers[i].Delegation, year, Enumerable.Range(1, 8).Select(n => (CommitmentProgressRequest?)new CommitmentProgressRequest(
                    n,
                    ((i + n + year) % 3) switch { 0 => "NotStarted", 1 => "InProgress", _ => "Achieved" },
                    n % 4 == 0 && i % 3 != 0 ? 5 + (((i * 7) + year) % 20) : null,
                    $"What party {i} did on commitment {n} in {year}: a narrative of a few words.")).ToList()), null, Actor, CancellationToken.None);
            }
        }

        // The seeding must have given what is measured: every party in the register and reporting every year.
        var registerView = JsonSerializer.Deserialize<RegisterView>((await declarations.RegisterAsync(id, CancellationToken.None))!.Value.Body, Json.CreateOptions())!;
        var middle = first + (Years / 2);
        var progressView = JsonSerializer.Deserialize<ProgressYearView>((await declarations.ProgressAsync(id, middle, organiser: false, CancellationToken.None))!.Value.Body, Json.CreateOptions())!;
        if (registerView.Bound != Parties || progressView.Reported != Parties || progressView.Signatories != Parties)
        {
            throw new InvalidOperationException(
                $"Seeded {registerView.Bound} signatories and {progressView.Reported} reports of {progressView.Signatories} for {middle}, not {Parties} each.");
        }

        return (id, middle);
    }
}
