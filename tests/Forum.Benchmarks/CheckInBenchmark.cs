using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.Api.Venues;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Benchmarks;

/// <summary>
/// Check-in through the real API on Kestrel: a conference of 5,000 participants (250 delegations of 20, every member
/// accredited, every badge issued, seeded through the application's services), then 16 concurrent scanners each
/// posting badge codes of members not yet checked in, in bursts. The baseline, in alternating rounds of the same run: the
/// same posts from the same 16 scanners to a minimal endpoint in the same process that appends one event per request
/// to a new stream (the same HTTP and append work, without the check-in's logic: no authentication, signature,
/// batch or documents). The store's own single-event append with 16 writers is measured beside it, as the earlier
/// baseline, for its ratio. Every answer must be a first check-in of the member scanned, and the summary must count
/// exactly the members scanned; anything else fails the run. Then the offline queue: 2,000 scans sent as a scanner
/// sends them when the connection returns (batches of 200) against the same scans sent one by one.
/// </summary>
internal static class CheckInBenchmark
{
    public const string Figure = "check in a member (signed badge code), 16 concurrent scanners, 5,000-participant conference";
    public const string BaselineName = "posts/s to a minimal endpoint appending one event, 16 scanners";
    public const string LatencyP99 = "check in a member, 16 concurrent scanners: p99 latency";
    public const string StoreFigure = "check in a member, 16 scanners, against the store's own single-event append (16 writers)";
    public const string Upload = "send 2,000 queued offline scans in batches of 200, against the same scans one by one";
    private const int UploadScans = 2_000;
    private const int UploadBatch = 200;
    private const int Scanners = 16;
    private const int Delegations = 250;
    private const int MembersPerDelegation = 20;
    private const int Participants = Delegations * MembersPerDelegation;
    private const int WarmupScans = 500;
    private const int WarmupRound = 100;

    /// <summary>At most this many warm-up rounds of <see cref="WarmupRound"/> first check-ins (12 were not always enough for the JIT).</summary>
    private const int WarmupRounds = 30;

    /// <summary>Enough members for the most warm-up rounds.</summary>
    private const int WarmupDelegations = WarmupRounds * WarmupRound / MembersPerDelegation;
    private const string Actor = "system:bench";

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var rounds = ctx.Options.CheckInRounds;
        var perRound = (Participants - WarmupScans) / rounds;
        var window = ctx.Options.RegistrationBaselineWindow;
        BenchContext.Log($"{Figure}: {rounds} bursts of {perRound} first check-ins, alternating with {window.TotalSeconds:N1} s windows of {BaselineName}");
        var storeBaseline = await AppendBenchmarks.StoreSingleAsync(ctx, Scanners);
        var schema = await ctx.NewSchemaAsync("checkin");
        // For reference only (not the figure's baseline): the same posts answered with fixed bytes before authentication,
        // routing and the check-in itself, to show what the HTTP stack alone costs on this machine. The baseline's
        // endpoint answers the same bytes after its append.
        await using var api = new BenchApi(connectionString, schema, new Dictionary<string, byte[]> { [ReferencePath] = ReferenceAnswer }, appendAnswer: ReferenceAnswer);
        api.StartServer();

        var seeding = Stopwatch.StartNew();
        var (slug, codes) = await SeedAsync(api.Services, Delegations);
        var (warmSlug, warmCodes) = await SeedAsync(api.Services, WarmupDelegations);
        var (uploadSlug, uploadCodes) = await SeedAsync(api.Services, 2 * UploadScans / MembersPerDelegation);
        BenchContext.Log($"  seeded {Delegations} delegations, {codes.Count:N0} accredited participants and their badges, a warm-up conference of {warmCodes.Count:N0} and an upload conference of {uploadCodes.Count:N0}, in {seeding.Elapsed.TotalSeconds:N0} s");

        var protocol = StaffTokenHandler.Issue(api.SigningKey, "bench", Roles.Protocol, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(2));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Scanners, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = api.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", protocol);
        var path = $"/api/conferences/{slug}/check-in";

        // Unmeasured: JIT, connection pools, plans; checked like the others. The runtime promotes hot methods to optimised
        // code in the background: first check-ins at the warm-up conference, in rounds, until a round leaves the JIT
        // almost nothing to do (before, with 500 check-ins here, it still compiled during the first measured rounds, a
        // third of the process's CPU); then 500 first check-ins here, so that the delegations' documents are known.
        var warmed = 0;
        var warmRounds = await CpuMeter.WarmUntilCompiledAsync(
            async () =>
            {
                await BurstAsync(http, $"/api/conferences/{warmSlug}/check-in", warmCodes.GetRange(warmed, WarmupRound), "warm-up");
                warmed += WarmupRound;
            },
            WarmupRounds,
            Environment.ProcessId);
        var next = 0;
        await BurstAsync(http, path, codes.GetRange(next, WarmupScans), "warm-up");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        next += WarmupScans;
        BenchContext.Log($"  warm-up: {warmed} first check-ins at the warm-up conference in {warmRounds} rounds, then {WarmupScans} here");

        var cpu = await CpuMeter.CreateAsync(ctx);
        await ReferenceAsync(http, cpu, codes.GetRange(0, perRound), "before the rounds");

        var rates = new List<double>();
        var baselineRates = new List<double>();
        var storeRates = new List<double>();
        var all = new List<double>();
        var baselineAll = new List<double>();
        await BurstAsync(http, AppendPath, codes.GetRange(0, WarmupScans), "baseline warm-up");
        await Harness.AlternateAsync(
            ctx,
            rounds,
            async round =>
            {
                var before = cpu.Start();
                var burst = await BurstAsync(http, AppendPath, codes.GetRange(next, perRound), $"baseline {round + 1}");
                var used = CpuMeter.PerUnit(before, cpu.Stop(), perRound);
                var sorted = burst.LatenciesMs.Order().ToArray();
                baselineRates.Add(perRound / burst.Elapsed.TotalSeconds);
                baselineAll.AddRange(sorted);
                BenchContext.Log($"  baseline {round + 1}: {perRound} posts appending one event each in {burst.Elapsed.TotalMilliseconds:N0} ms ({baselineRates[^1]:N0}/s); latency p50 {LagBenchmark.Percentile(sorted, 50):N1} ms, p99 {LagBenchmark.Percentile(sorted, 99):N1} ms; CPU per post {used}");
                before = cpu.Start();
                var result = await Harness.RunAsync(Scanners, round == 0 ? ctx.Options.Warmup : ctx.Options.RoundWarmup, window, storeBaseline);
                storeRates.Add(result.PerSecond);
                BenchContext.Log($"  store's append {round + 1}: {result.PerSecond:N0}/s; CPU per append (warm-up included) {CpuMeter.PerUnit(before, cpu.Stop(), result.Units)}");
            },
            async round =>
            {
                var before = cpu.Start();
                var burst = await BurstAsync(http, path, codes.GetRange(next, perRound), $"round {round + 1}");
                var used = CpuMeter.PerUnit(before, cpu.Stop(), perRound);
                next += perRound;
                var sorted = burst.LatenciesMs.Order().ToArray();
                rates.Add(perRound / burst.Elapsed.TotalSeconds);
                all.AddRange(sorted);
                BenchContext.Log($"  round {round + 1}: {perRound} check-ins in {burst.Elapsed.TotalMilliseconds:N0} ms ({rates[^1]:N0}/s); latency p50 {LagBenchmark.Percentile(sorted, 50):N1} ms, p99 {LagBenchmark.Percentile(sorted, 99):N1} ms; CPU per check-in {used}");
            });

        await ReferenceAsync(http, cpu, codes.GetRange(0, perRound), "after the rounds");
        await VerifySummaryAsync(http, slug, next, Participants);
        var c = CultureInfo.InvariantCulture;
        var pooled = all.Order().ToArray();
        var baselinePooled = baselineAll.Order().ToArray();
        BenchContext.Log($"  measured per round {string.Join(" ", rates.Select(r => r.ToString("N0", c)))} check-ins/s");
        BenchContext.Log($"  baseline per round {string.Join(" ", baselineRates.Select(r => r.ToString("N0", c)))} {BaselineName}");
        BenchContext.Log($"  store's append per round {string.Join(" ", storeRates.Select(r => r.ToString("N0", c)))} single-event appends/s, 16 writers");
        BenchContext.Log($"  over all {pooled.Length:N0} measured check-ins: p50 {LagBenchmark.Percentile(pooled, 50):N1} ms, p99 {LagBenchmark.Percentile(pooled, 99):N1} ms " +
            $"(baseline posts p50 {LagBenchmark.Percentile(baselinePooled, 50):N1} ms, p99 {LagBenchmark.Percentile(baselinePooled, 99):N1} ms); summary counts {next:N0} of {Participants:N0} checked in, as scanned");
        return
        [
            Forum.Benchmarks.Figure.Throughput(Figure, AppendBenchmarks.Median(rates), AppendBenchmarks.Median(baselineRates), "check-ins/s"),
            Forum.Benchmarks.Figure.Latency(LatencyP99, LagBenchmark.Percentile(pooled, 99), 100),
            Forum.Benchmarks.Figure.Throughput(StoreFigure, AppendBenchmarks.Median(rates), AppendBenchmarks.Median(storeRates), "check-ins/s"),
            await UploadAsync(http, uploadSlug, uploadCodes),
        ];
    }

    /// <summary>
    /// 2,000 scans queued offline, sent as the scanner sends them when the connection returns (POST .../check-in/batch,
    /// 200 at a time, one request after the other, each scan with its id, time and gate) against 2,000 other scans of the
    /// same conference sent one by one (POST .../check-in, one after the other). All are first check-ins; both must be
    /// counted exactly. The figure is the time of the batches, its baseline the time one by one (lower is better).
    /// </summary>
    private static async Task<Figure> UploadAsync(HttpClient http, string slug, List<string> codes)
    {
        var scannedAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        object Scan(string code, int i) => new
        {
            code, scanId = $"offline-{Guid.NewGuid():N}", gate = "Gate Q", admitted = true,
            scannedAt = scannedAt.AddMilliseconds(i * 100).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        };
        var batched = codes.GetRange(0, UploadScans);
        var single = codes.GetRange(UploadScans, UploadScans);

        var clock = Stopwatch.StartNew();
        for (var start = 0; start < batched.Count; start += UploadBatch)
        {
            var scans = batched.GetRange(start, UploadBatch).Select((code, i) => Scan(code, start + i)).ToArray();
            using var response = await http.PostAsync($"/api/conferences/{slug}/check-in/batch", System.Net.Http.Json.JsonContent.Create(new { scans }));
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (response.StatusCode != HttpStatusCode.OK || answer.RootElement.GetProperty("checkedIn").GetInt32() != UploadBatch)
            {
                throw new InvalidOperationException($"check-in upload: a batch was not {UploadBatch} first check-ins: {(int)response.StatusCode} {answer.RootElement}");
            }
        }

        var batches = clock.Elapsed;
        clock.Restart();
        for (var i = 0; i < single.Count; i++)
        {
            using var response = await http.PostAsync($"/api/conferences/{slug}/check-in", System.Net.Http.Json.JsonContent.Create(Scan(single[i], i)));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK || !text.Contains("\"result\":\"CheckedIn\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"check-in upload: a scan one by one was not a first check-in: {(int)response.StatusCode} {text}");
            }
        }

        var oneByOne = clock.Elapsed;
        await VerifySummaryAsync(http, slug, 2 * UploadScans, codes.Count);
        BenchContext.Log($"  upload: {UploadScans:N0} queued scans in {UploadScans / UploadBatch} batches of {UploadBatch}: {batches.TotalMilliseconds:N0} ms; the same number one by one: {oneByOne.TotalMilliseconds:N0} ms ({oneByOne / batches:N1} times as long)");
        return new Figure(Upload, Math.Round(batches.TotalMilliseconds, 1), "ms", Math.Round(oneByOne.TotalMilliseconds, 1), Math.Round(batches / oneByOne, 3));
    }

    /// <summary>A conference of delegations of 20 accredited participants with their badge codes, in random order, through the application's services.</summary>
    internal static async Task<(string Slug, List<string> Codes)> SeedAsync(IServiceProvider services, int delegationCount)
    {
        var conferences = services.GetRequiredService<ConferenceService>();
        var delegations = services.GetRequiredService<DelegationService>();
        var venue = services.GetRequiredService<VenueService>();
        var slug = $"bench-checkin-{Guid.NewGuid():N}"[..24];
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, "Check-in Benchmark Forum", null, new VenueRequest("Conference centre", "Brussels", "BE"), "Europe/Brussels",
            "2027-10-24", "2027-10-26", ["en", "fr"], Participants, MembersPerDelegation), Actor, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), Actor, null, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), Actor, null, CancellationToken.None);

        // Registrations that arrive together are decided in batches: send them all at once.
        var registered = await Task.WhenAll(Enumerable.Range(1, delegationCount).Select(i => delegations.RegisterAsync(slug, new RegisterDelegationRequest(
            new PartyRequest(i % 2 == 0 ? "Company" : "NonGovernmentalOrganisation", null, $"Party {i}"),
            new ContactRequest($"Focal Point {i}", $"focal.{i}@example.org"),
            Enumerable.Range(0, MembersPerDelegation).Select(m => (MemberRequest?)new MemberRequest(
                $"Member {m} of party {i}", m == 0 ? "Minister" : "Adviser", m == 0 ? "Minister" : "Official", $"m{m}.p{i}@example.org", m == 0, null)).ToList()),
            null, Actor, CancellationToken.None)));
        var members = registered.SelectMany(d => d.Members.Select(m => (Delegation: d.Id, Member: m.Id))).ToList();

        // Accreditation decisions of one conference are taken one at a time (its lock); a few in flight keep it busy.
        await ForEachAsync(members, 4, m => delegations.DecideAccreditationAsync(m.Delegation, m.Member, new AccreditationRequest("approve", null), null, Actor, CancellationToken.None));
        var codes = new string[members.Count];
        await ForEachAsync(Enumerable.Range(0, members.Count).ToList(), Scanners, async i =>
            codes[i] = (await venue.BadgeAsync(members[i].Delegation, members[i].Member, Actor, CancellationToken.None)).Code);
        return (slug, codes.OrderBy(_ => Random.Shared.Next()).ToList());
    }

    private static async Task ForEachAsync<T>(IReadOnlyList<T> items, int parallel, Func<T, Task> action)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                await action(items[i]);
            }
        })));
    }

    private const string ReferencePath = "/check-in";

    private const string AppendPath = "/bench/append";

    private static readonly byte[] ReferenceAnswer = JsonSerializer.SerializeToUtf8Bytes(new
    {
        result = "CheckedIn", memberId = Guid.NewGuid(), delegationId = Guid.NewGuid(), party = new { kind = "Company", name = "Party 100" }, name = "Member 10 of party 100",
        rank = "Official", isHead = false, checkedInAt = "2026-11-22T10:00:00.1234567Z", recordedAt = "2026-11-22T10:00:00.123456Z", gate = "Gate 1", scanId = $"bench-{Guid.NewGuid():N}",
    });

    private static async Task ReferenceAsync(HttpClient http, CpuMeter cpu, List<string> codes, string when)
    {
        var before = cpu.Start();
        var burst = await BurstAsync(http, "/bench/memory" + ReferencePath, codes, "reference");
        var sorted = burst.LatenciesMs.Order().ToArray();
        BenchContext.Log($"  reference {when}: the same {codes.Count} posts answered with fixed bytes, no check-in: {codes.Count / burst.Elapsed.TotalSeconds:N0}/s; latency p50 {LagBenchmark.Percentile(sorted, 50):N1} ms, p99 {LagBenchmark.Percentile(sorted, 99):N1} ms; CPU per request {CpuMeter.PerUnit(before, cpu.Stop(), codes.Count)}");
    }

    private sealed record BurstResult(TimeSpan Elapsed, double[] LatenciesMs);

    /// <summary>The codes taken in turn by the scanners, each posting one and reading the answer; every answer must be a first check-in (or, scanned again, AlreadyCheckedIn).</summary>
    private static async Task<BurstResult> BurstAsync(HttpClient http, string path, List<string> codes, string label, string expected = "CheckedIn", int scanners = Scanners)
    {
        var bodies = codes.Select((code, i) => JsonSerializer.SerializeToUtf8Bytes(new { code, scanId = $"bench-{Guid.NewGuid():N}", gate = $"Gate {i % 4}" })).ToArray();
        var latencies = new double[codes.Count];
        var failures = new List<string>();
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, scanners).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < codes.Count)
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(path, content);
                var text = await response.Content.ReadAsStringAsync();
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK || !text.Contains($"\"result\":\"{expected}\"", StringComparison.Ordinal))
                {
                    lock (failures)
                    {
                        failures.Add($"{(int)response.StatusCode} {(text.Length <= 300 ? text : text[..300])}");
                    }
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"check-in {label}: {failures.Count} of {codes.Count} scans were not first check-ins; first: {failures[0]}");
        }

        return new BurstResult(elapsed, latencies);
    }

    private static async Task VerifySummaryAsync(HttpClient http, string slug, int scanned, int expectedParticipants)
    {
        var text = await http.GetStringAsync($"/api/conferences/{slug}/check-in/summary");
        using var summary = JsonDocument.Parse(text);
        var participants = summary.RootElement.GetProperty("participants").GetInt32();
        var checkedIn = summary.RootElement.GetProperty("checkedIn").GetInt32();
        if (participants != expectedParticipants || checkedIn != scanned)
        {
            throw new InvalidOperationException($"check-in summary of {slug}: {checkedIn} checked in of {participants} participants; expected {scanned} of {expectedParticipants}");
        }
    }
}
