using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Benchmarks;

/// <summary>
/// Delegation registration through the real API on Kestrel: bursts of 500 registrations (3 members each) into a fresh
/// conference whose capacity is smaller than their members, from 32 concurrent clients, each request sent again with
/// its Idempotency-Key once answered. Beside it, the store's single-event append to new streams with 32 writers, in
/// alternating rounds of the same run. Every burst is checked for exact counts afterwards; a wrong count fails the run.
/// </summary>
internal static class RegistrationBenchmark
{
    public const string Burst = "register a delegation (3 members), burst of 500 from 32 clients, each retried once";
    public const string P99 = "registration p99 latency in that burst";
    public const string BaselineName = "single-event appends/s, 32 writers";
    public const double GoalMs = 250;
    private const int Delegations = 500;
    private const int Clients = 32;
    private const int MembersPerDelegation = 3;
    private const int Capacity = 1000;
    private const int Quota = 4;
    // A whole burst: the JIT's tier-up of the registration path then happens before measuring, not during it.
    private const int WarmupDelegations = Delegations;
    private const string Actor = "system:bench";

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var rounds = ctx.Options.RegistrationRounds;
        var window = ctx.Options.RegistrationBaselineWindow;
        BenchContext.Log($"{Burst}: {rounds} bursts, each into a fresh conference (capacity {Capacity}, quota {Quota}), alternating with {window.TotalSeconds:N1} s windows of {BaselineName}");
        var baseline = await AppendBenchmarks.StoreSingleAsync(ctx, Clients);
        var schema = await ctx.NewSchemaAsync("register");
        await using var api = new BenchApi(connectionString, schema);
        api.StartServer();
        var conferences = api.Services.GetRequiredService<ConferenceService>();
        var organiser = StaffTokenHandler.Issue(api.SigningKey, "bench", Roles.Organiser, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(2));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = api.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };

        // Unmeasured: JIT, connection pools on both sides, the first conference's plans. Checked like the others.
        var warmup = await OpenConferenceAsync(conferences, "bench-register-warmup");
        var warm = await BurstAsync(http, warmup, WarmupDelegations);
        await VerifyAsync(http, organiser, warmup, warm, "warm-up");

        var rates = new List<double>();
        var baselineRates = new List<double>();
        var p99s = new List<double>();
        var all = new List<double>();
        var serverErrors = 0;
        await Harness.AlternateAsync(
            ctx,
            rounds,
            async round => baselineRates.Add((await Harness.RunAsync(Clients, round == 0 ? ctx.Options.Warmup : ctx.Options.RoundWarmup, window, baseline)).PerSecond),
            async round =>
            {
                var slug = await OpenConferenceAsync(conferences, $"bench-register-{round + 1}");
                var burst = await BurstAsync(http, slug, Delegations);
                await VerifyAsync(http, organiser, slug, burst, $"round {round + 1}");
                var sorted = burst.LatenciesMs.Order().ToArray();
                rates.Add(Delegations / burst.Elapsed.TotalSeconds);
                p99s.Add(LagBenchmark.Percentile(sorted, 99));
                all.AddRange(sorted);
                serverErrors += burst.ServerErrors;
                BenchContext.Log($"  round {round + 1}: {Delegations} registrations in {burst.Elapsed.TotalMilliseconds:N0} ms ({rates[^1]:N0}/s); latency p50 {LagBenchmark.Percentile(sorted, 50):N1} ms, p99 {p99s[^1]:N1} ms, max {sorted[^1]:N1} ms (first requests p50 {Percentile(burst.First, 50):N1}, p99 {Percentile(burst.First, 99):N1} ms; retries p50 {Percentile(burst.Retry, 50):N1}, p99 {Percentile(burst.Retry, 99):N1} ms); 5xx: {burst.ServerErrors}");
            });

        var pooled = all.Order().ToArray();
        var c = CultureInfo.InvariantCulture;
        BenchContext.Log($"  measured per round {string.Join(" ", rates.Select(r => r.ToString("N0", c)))} registrations/s");
        BenchContext.Log($"  baseline per round {string.Join(" ", baselineRates.Select(r => r.ToString("N0", c)))} {BaselineName}");
        BenchContext.Log($"  p99 per round {string.Join(" ", p99s.Select(r => r.ToString("N1", c)))} ms; over all {pooled.Length:N0} requests p99 {LagBenchmark.Percentile(pooled, 99):N1} ms, max {pooled[^1]:N1} ms");
        BenchContext.Log($"  5xx answers: {serverErrors} of {pooled.Length:N0} requests; counts exact in every round ({Delegations} delegations, {Capacity} admitted, {(Delegations * MembersPerDelegation) - Capacity} waiting in positions 1..{(Delegations * MembersPerDelegation) - Capacity}, every retry the same id and token)");
        return
        [
            Figure.Throughput(Burst, AppendBenchmarks.Median(rates), AppendBenchmarks.Median(baselineRates), "registrations/s"),
            Figure.Latency(P99, AppendBenchmarks.Median(p99s), GoalMs),
        ];
    }

    /// <summary>A conference open for registration, through the application's own commands.</summary>
    private static async Task<string> OpenConferenceAsync(ConferenceService conferences, string slug)
    {
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, "Registration Benchmark Forum", null, new VenueRequest("Conference centre", "Brussels", "BE"), "Europe/Brussels",
            "2027-10-24", "2027-10-26", ["en", "fr"], Capacity, Quota), Actor, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), Actor, null, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), Actor, null, CancellationToken.None);
        return slug;
    }

    private static byte[] Body(int i) => JsonSerializer.SerializeToUtf8Bytes(
        new RegisterDelegationRequest(
            new PartyRequest("Company", null, $"Company {i}"),
            new ContactRequest($"Focal Point {i}", $"focal.{i}@example.org"),
            [
                new MemberRequest($"Minister {i}", "Minister of Justice", "Minister", $"minister.{i}@example.org", true, null),
                new MemberRequest($"Adviser {i}", "Adviser", "Official", $"adviser.{i}@example.org", false, null),
                new MemberRequest($"Expert {i}", "Legal expert", "Expert", $"expert.{i}@example.org", false, null),
            ]),
        RequestJson);

    /// <summary>One answer as the client saw it; the body is read inside the timed request and parsed after the burst.</summary>
    private sealed record Answer(HttpStatusCode Status, string Body, double Ms);

    private sealed record BurstResult(TimeSpan Elapsed, Answer[] First, Answer[] Retry)
    {
        public IEnumerable<double> LatenciesMs => First.Concat(Retry).Select(a => a.Ms);

        public int ServerErrors => First.Concat(Retry).Count(a => (int)a.Status >= 500);
    }

    /// <summary>
    /// <paramref name="count"/> registrations taken in turn by <see cref="Clients"/> clients; each client sends one,
    /// then the same again with the same key, then takes the next. Timed from the first send to the last answer.
    /// </summary>
    private static async Task<BurstResult> BurstAsync(HttpClient http, string slug, int count)
    {
        var path = $"/api/conferences/{slug}/delegations";
        var bodies = Enumerable.Range(1, count).Select(Body).ToArray();
        var first = new Answer[count];
        var retry = new Answer[count];
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var key = $"bench-{i + 1}-{Guid.NewGuid():N}";
                first[i] = await PostAsync(http, path, bodies[i], key);
                retry[i] = await PostAsync(http, path, bodies[i], key);
            }
        })));
        return new BurstResult(Stopwatch.GetElapsedTime(start), first, retry);
    }

    private static async Task<Answer> PostAsync(HttpClient http, string path, byte[] body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Idempotency-Key", key);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var text = await response.Content.ReadAsStringAsync();
            return new Answer(response.StatusCode, text, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new InvalidOperationException($"POST {path} (key {key}) got no answer after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:N0} ms", e);
        }
    }

    /// <summary>
    /// The answers and the organiser's list must agree exactly: every request 201, every retry the same delegation and
    /// token, as many delegations as registered, the capacity admitted and no more, the rest waiting in positions
    /// 1..n with no gap, and each member's place in the list as its registration answered it (nothing moved since).
    /// </summary>
    private static async Task VerifyAsync(HttpClient http, string organiser, string slug, BurstResult burst, string label)
    {
        try
        {
            await CheckCountsAsync(http, organiser, slug, burst, label);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException)
        {
            throw new InvalidOperationException($"{label} (conference {slug}): an answer is not the DelegationView expected: {e.Message}", e);
        }
    }

    private static async Task CheckCountsAsync(HttpClient http, string organiser, string slug, BurstResult burst, string label)
    {
        var count = burst.First.Length;
        var problems = new List<string>();
        var statuses = burst.First.Concat(burst.Retry).GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}");
        var unexpected = burst.First.Concat(burst.Retry).FirstOrDefault(a => a.Status != HttpStatusCode.Created);
        if (unexpected is not null)
        {
            problems.Add($"answers {string.Join(", ", statuses)} (5xx: {burst.ServerErrors}); first unexpected: {(int)unexpected.Status} {Truncate(unexpected.Body)}");
        }

        // Member id -> (status, waiting position) as the registration answered it.
        var answered = new Dictionary<string, (string Status, long? Position)>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var retryMismatches = 0;
        for (var i = 0; i < count; i++)
        {
            if (burst.First[i].Status != HttpStatusCode.Created || burst.Retry[i].Status != HttpStatusCode.Created)
            {
                continue;
            }

            using var one = JsonDocument.Parse(burst.First[i].Body);
            using var again = JsonDocument.Parse(burst.Retry[i].Body);
            var id = one.RootElement.GetProperty("id").GetString()!;
            var token = one.RootElement.GetProperty("accessToken").GetString();
            if (id != again.RootElement.GetProperty("id").GetString() || string.IsNullOrEmpty(token) || token != again.RootElement.GetProperty("accessToken").GetString())
            {
                retryMismatches++;
            }

            ids.Add(id);
            foreach (var member in one.RootElement.GetProperty("members").EnumerateArray())
            {
                answered[member.GetProperty("id").GetString()!] = Place(member);
            }
        }

        if (retryMismatches > 0)
        {
            problems.Add($"{retryMismatches} retries answered another id or token than the first request");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/conferences/{slug}/delegations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", organiser);
        using var response = await http.SendAsync(request);
        var listBody = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{label}: GET /api/conferences/{slug}/delegations answered {(int)response.StatusCode} {Truncate(listBody)}");
        }

        using var list = JsonDocument.Parse(listBody);
        var delegations = list.RootElement.EnumerateArray().ToList();
        var listedIds = delegations.Select(d => d.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
        var members = delegations.SelectMany(d => d.GetProperty("members").EnumerateArray()).ToList();
        var places = members.Select(m => (Id: m.GetProperty("id").GetString()!, Place: Place(m))).ToList();
        var admitted = places.Count(p => p.Place.Status == nameof(PlaceStatus.Admitted));
        var waiting = places.Where(p => p.Place.Status == nameof(PlaceStatus.Waiting)).Select(p => p.Place.Position ?? 0).Order().ToList();
        var expectedAdmitted = Math.Min(Capacity, count * MembersPerDelegation);
        var expectedWaiting = (count * MembersPerDelegation) - expectedAdmitted;
        var placeMismatches = places.Count(p => !answered.TryGetValue(p.Id, out var a) || a != p.Place);

        if (delegations.Count != count || listedIds.Count != count || !listedIds.SetEquals(ids))
        {
            problems.Add($"{delegations.Count} delegations listed ({listedIds.Count} distinct, {listedIds.Except(ids).Count()} not among the {ids.Count} answered), expected {count}");
        }

        if (members.Count != count * MembersPerDelegation || admitted != expectedAdmitted || waiting.Count != expectedWaiting)
        {
            problems.Add($"{members.Count} members listed, {admitted} admitted, {waiting.Count} waiting, {members.Count - admitted - waiting.Count} otherwise; expected {count * MembersPerDelegation}, {expectedAdmitted}, {expectedWaiting}, 0");
        }

        if (!waiting.SequenceEqual(Enumerable.Range(1, waiting.Count).Select(n => (long)n)))
        {
            problems.Add($"waiting positions are not 1..{waiting.Count}: {string.Join(",", waiting.Take(20))}{(waiting.Count > 20 ? ",..." : "")}");
        }

        if (placeMismatches > 0)
        {
            problems.Add($"{placeMismatches} members listed with another place than their registration answered");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"{label} (conference {slug}, {count} registrations): {string.Join("; ", problems)}");
        }
    }

    private static (string Status, long? Position) Place(JsonElement member)
    {
        var place = member.GetProperty("place");
        return (place.GetProperty("status").GetString()!, place.TryGetProperty("waitingPosition", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : null);
    }

    private static double Percentile(Answer[] answers, double p) => LagBenchmark.Percentile(answers.Select(a => a.Ms).Order().ToArray(), p);

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
