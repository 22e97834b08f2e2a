using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Benchmarks;

/// <summary>
/// The tour de table of a ministerial session with 200 delegations (heads of several ranks, all asking for the floor),
/// through the real API on Kestrel: computing it (GET, by protocol) and fixing it by hand (PUT, checked against every
/// seat and floor request), beside reading the same conference's list of delegations, which the computation builds on.
/// A figure without a goal.
/// </summary>
internal static class SpeakingOrderBenchmark
{
    public const string Compute = "compute the speaking order of a ministerial session, 200 delegations (median request)";
    public const string Fix = "fix that speaking order by hand (median request)";
    private const int Delegations = 200;
    private const string Actor = "system:bench";
    private static readonly string[] Ranks = ["HeadOfStateOrGovernment", "Minister", "DeputyMinister", "SecretaryOfState", "Ambassador", "SeniorOfficial"];

    public static async Task<List<Figure>> RunAsync(BenchContext ctx, string connectionString)
    {
        var schema = await ctx.NewSchemaAsync("speaking");
        await using var api = new BenchApi(connectionString, schema);
        api.StartServer();
        var (slug, sessionId) = await SeedAsync(api.Services);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", StaffTokenHandler.Issue(api.SigningKey, "bench", Roles.Organiser, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(2)));

        var orderUrl = $"/api/conferences/{slug}/sessions/{sessionId}/speaking-order";
        var rounds = ctx.Options.Quick ? 5 : 40;
        var list = await MedianMsAsync(rounds, () => http.GetAsync($"/api/conferences/{slug}/delegations"));
        var computed = await MedianMsAsync(rounds, () => http.GetAsync(orderUrl));
        using var order = JsonDocument.Parse(await http.GetStringAsync(orderUrl));
        var turns = order.RootElement.EnumerateArray().Select(t => t.GetProperty("delegationId").GetGuid()).ToList();
        if (turns.Count != Delegations)
        {
            throw new InvalidOperationException($"The speaking order has {turns.Count} turns, not {Delegations}.");
        }

        // Fixing it reversed, then back, so each PUT is a change; If-Match is left out (the ETag would change each time).
        var reversed = Enumerable.Reverse(turns).ToList();
        var round = 0;
        var fixedMs = await MedianMsAsync(rounds, () => http.PutAsJsonAsync(orderUrl, new SpeakingOrderRequest(round++ % 2 == 0 ? reversed : turns)));
        BenchContext.Log($"speaking order of {Delegations} delegations: GET {computed:N1} ms, PUT {fixedMs:N1} ms, the delegations list {list:N1} ms (medians of {rounds})");
        return
        [
            new Figure(Compute, Math.Round(computed, 1), "ms", Math.Round(list, 1), Math.Round(computed / list, 2)),
            new Figure(Fix, Math.Round(fixedMs, 1), "ms", Math.Round(list, 1), Math.Round(fixedMs / list, 2)),
        ];
    }

    private static async Task<double> MedianMsAsync(int rounds, Func<Task<HttpResponseMessage>> request)
    {
        var times = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await request();
            await response.Content.ReadAsByteArrayAsync();
            times.Add(clock.Elapsed.TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>200 organisations, heads of several ranks, accredited, each head seated in the ministerial session asking for the floor.</summary>
    private static async Task<(string Slug, Guid SessionId)> SeedAsync(IServiceProvider services)
    {
        var conferences = services.GetRequiredService<ConferenceService>();
        var agenda = services.GetRequiredService<AgendaService>();
        var delegations = services.GetRequiredService<DelegationService>();
        const string slug = "bench-speaking-order";
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, "Speaking Order Benchmark", null, new VenueRequest("Conference centre", "Brussels", "BE"), "Europe/Brussels",
            "2027-10-24", "2027-10-24", ["en"], 1000, 4), Actor, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), Actor, null, CancellationToken.None);
        await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), Actor, null, CancellationToken.None);
        var room = await agenda.AddRoomAsync(slug, new RoomRequest("Plenary Hall", 500, ["en"]), Actor, CancellationToken.None);
        var session = await agenda.ScheduleAsync(slug, new SessionRequest(
            "Ministerial", "Ministerial session", null, room.Id, "2027-10-24T10:00", "2027-10-24T13:00", null, [], false, null), Actor, CancellationToken.None);
        for (var i = 1; i <= Delegations; i++)
        {
            var view = await delegations.RegisterAsync(slug, new RegisterDelegationRequest(
                new PartyRequest("InternationalOrganisation", null, $"Organisation {i}"),
                new ContactRequest($"Focal point {i}", $"focal.{i}@example.org"),
                [
                    new MemberRequest($"Head {i}", "Head of delegation", Ranks[i % Ranks.Length], $"head.{i}@example.org", true, null),
                    new MemberRequest($"Adviser {i}", "Adviser", "Official", $"adviser.{i}@example.org", false, null),
                ]), null, Actor, CancellationToken.None);
            foreach (var member in view.Members)
            {
                await delegations.DecideAccreditationAsync(view.Id, member.Id, new AccreditationRequest("approve", null), null, Actor, CancellationToken.None);
            }

            var head = view.Members.Single(m => m.IsHead);
            var seated = head.IsMinisterialRank ? head : view.Members.Single(m => !m.IsHead);
            await delegations.RequestSeatsAsync(view.Id, new SeatsRequest(session.Id, [seated.Id], true), null, Actor, CancellationToken.None);
        }

        return (slug, session.Id);
    }
}
