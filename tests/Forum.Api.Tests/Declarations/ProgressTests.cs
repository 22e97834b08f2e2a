using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Declarations;

[Collection(ClockedCollection.Name)]
public sealed class ProgressTests(ClockedApiFixture api)
{
    private static readonly DateTimeOffset June2024 = new(2024, 6, 3, 10, 0, 0, TimeSpan.Zero);

    private static async Task<(DeclarationKit Kit, Guid Id, Registered[] Parties)> SignedAsync(ClockedApiFixture api, params string[] states)
    {
        var kit = await DeclarationKit.CreateAsync(api, June2024);
        var parties = new List<Registered>();
        foreach (var state in states)
        {
            parties.Add(await kit.AccreditedAsync(DelegationKit.State(state, advisers: 0)));
        }

        var id = await kit.OpenAsync();
        foreach (var party in parties)
        {
            await kit.SignAsync(id, party);
        }

        return (kit, id, parties.ToArray());
    }

    private static Task<HttpResponseMessage> ReportAsync(DeclarationKit kit, Guid id, object report, HttpClient? via = null) =>
        (via ?? kit.Organiser).PostJsonAsync(DeclarationKit.Url(id, "/reports"), report);

    private static JsonElement Commitment(JsonElement year, int number) =>
        year.GetProperty("commitments").EnumerateArray().Single(c => c.GetProperty("number").GetInt32() == number);

    [Fact]
    public async Task The_aggregate_of_a_year_equals_what_is_computed_by_hand()
    {
        var (kit, id, p) = await SignedAsync(api, "BE", "FR", "DE", "NL");
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2024, "Achieved", "Achieved", 5m), kit.Delegations.FocalPointClient(p[0]))).OkJsonAsync();
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[1].Id, 2024, "InProgress", "InProgress", 20m))).OkJsonAsync();
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[2].Id, 2024, "NotStarted", "Achieved", 10m))).OkJsonAsync();

        var year = await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/progress?year=2024"))).OkJsonAsync();
        Assert.Equal(4, year.GetProperty("signatories").GetInt32());
        Assert.Equal(3, year.GetProperty("reported").GetInt32());
        var first = Commitment(year, 1);
        Assert.Equal((1, 1, 1), Counts(first));
        Assert.True(DelegationKit.IsNullOrAbsent(first, "medianIndicatorValue"));
        var second = Commitment(year, 2);
        Assert.Equal((0, 1, 2), Counts(second));
        // Values 5, 10, 20: the median is 10, and two of three meet the target of 10.
        Assert.Equal(3, second.GetProperty("indicatorValues").GetInt32());
        Assert.Equal(10m, second.GetProperty("medianIndicatorValue").GetDecimal());
        Assert.Equal(0.6667m, second.GetProperty("shareMeetingTarget").GetDecimal());
        Assert.True(DelegationKit.IsNullOrAbsent(year, "reporters"));
        Assert.True(DelegationKit.IsNullOrAbsent(year, "notReported"));

        var organiser = await (await kit.Organiser.GetAsync(DeclarationKit.Url(id, "/progress?year=2024"))).OkJsonAsync();
        Assert.Equal(["Belgium", "France", "Germany"], Names(organiser, "reporters"));
        Assert.Equal(["Netherlands"], Names(organiser, "notReported"));

        // An even count takes the mean of the two middle values.
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[3].Id, 2024, "Achieved", "Achieved", 13m))).OkJsonAsync();
        var four = await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/progress?year=2024"))).OkJsonAsync();
        Assert.Equal(11.5m, Commitment(four, 2).GetProperty("medianIndicatorValue").GetDecimal());
        Assert.Equal(0.75m, Commitment(four, 2).GetProperty("shareMeetingTarget").GetDecimal());
    }

    private static (int, int, int) Counts(JsonElement commitment)
    {
        var s = commitment.GetProperty("statuses");
        return (s.GetProperty("notStarted").GetInt32(), s.GetProperty("inProgress").GetInt32(), s.GetProperty("achieved").GetInt32());
    }

    private static string[] Names(JsonElement year, string property) =>
        year.GetProperty(property).EnumerateArray().Select(x => x.GetProperty("name").GetString()!).ToArray();

    [Fact]
    public async Task A_report_is_revisable_until_the_year_s_deadline_and_refused_after_it()
    {
        var (kit, id, p) = await SignedAsync(api, "BE");
        var first = await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2024, "InProgress", "InProgress", 4m))).OkJsonAsync();
        Assert.Equal(1, first.GetProperty("revision").GetInt32());

        // 31 March 2025 in Brussels is still open; 1 April is not.
        api.Clock.Set(new DateTimeOffset(2025, 3, 31, 21, 0, 0, TimeSpan.Zero));
        var revised = await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2024, "Achieved", "Achieved", 12m))).OkJsonAsync();
        Assert.Equal(2, revised.GetProperty("revision").GetInt32());
        api.Clock.Set(new DateTimeOffset(2025, 3, 31, 22, 0, 0, TimeSpan.Zero));
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2024, "NotStarted", "NotStarted", 0m))).ProblemAsync(409, "reporting_closed");

        var year = await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/progress?year=2024"))).OkJsonAsync();
        Assert.Equal(12m, Commitment(year, 2).GetProperty("medianIndicatorValue").GetDecimal());
        var stored = await (await kit.Delegations.FocalPointClient(p[0]).GetAsync(DeclarationKit.Url(id, $"/reports/{p[0].Id}?year=2024"))).OkJsonAsync();
        Assert.Equal("Achieved", stored.GetProperty("commitments")[0].GetProperty("status").GetString());
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2025, "InProgress", "InProgress", 3m))).OkJsonAsync();
    }

    [Fact]
    public async Task A_focal_point_cannot_report_for_another_delegation_and_only_signatories_report()
    {
        var (kit, id, p) = await SignedAsync(api, "BE", "FR");
        var outsider = await kit.AccreditedAsync(DelegationKit.State("LU", advisers: 0));
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[1].Id, 2024, "Achieved", "Achieved", 1m), kit.Delegations.FocalPointClient(p[0]))).ProblemAsync(404, "not_found");
        await (await kit.Delegations.FocalPointClient(p[0]).GetAsync(DeclarationKit.Url(id, $"/reports/{p[1].Id}?year=2024"))).ProblemAsync(404, "not_found");
        await (await ReportAsync(kit, id, DeclarationKit.Report(outsider.Id, 2024, "Achieved", "Achieved", 1m))).ProblemAsync(422, "not_a_signatory");

        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{p[1].Id}/withdraw"), new { reason = "Withdrawn." })).OkJsonAsync();
        var withdrawn = await (await ReportAsync(kit, id, DeclarationKit.Report(p[1].Id, 2024, "Achieved", "Achieved", 1m))).ProblemAsync(422, "not_a_signatory");
        Assert.Contains("withdrew", withdrawn.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2023, "Achieved", "Achieved", 1m))).ProblemAsync(422, "year_out_of_range");
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2025, "Achieved", "Achieved", 1m))).ProblemAsync(422, "year_out_of_range");
        var invalid = await (await ReportAsync(kit, id, new
        {
            delegationId = p[0].Id,
            year = 2024,
            commitments = new object[] { new { number = 1, status = "Done", indicatorValue = 3, narrative = "" } },
        })).ProblemAsync(400, "validation_failed");
        var errors = invalid.GetProperty("errors");
        Assert.True(errors.TryGetProperty("commitments[0].status", out _));
        Assert.True(errors.TryGetProperty("commitments[0].indicatorValue", out _));
        Assert.True(errors.TryGetProperty("commitments[0].narrative", out _));
        Assert.True(errors.TryGetProperty("commitments", out _));

        var year = await (await kit.Organiser.GetAsync(DeclarationKit.Url(id, "/progress?year=2024"))).OkJsonAsync();
        Assert.Equal(0, year.GetProperty("reported").GetInt32());
        Assert.Equal(["Belgium"], Names(year, "notReported"));
    }

    [Fact]
    public async Task Without_a_year_progress_gives_every_year_since_adoption_side_by_side()
    {
        var (kit, id, p) = await SignedAsync(api, "BE", "FR");
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[0].Id, 2024, "Achieved", "Achieved", 11m))).OkJsonAsync();
        api.Clock.Set(new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero));
        await (await ReportAsync(kit, id, DeclarationKit.Report(p[1].Id, 2025, "InProgress", "InProgress", 2m))).OkJsonAsync();

        var all = await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/progress"))).OkJsonAsync();
        var years = all.GetProperty("years").EnumerateArray().Select(y => (y.GetProperty("year").GetInt32(), y.GetProperty("reported").GetInt32(), y.GetProperty("signatories").GetInt32())).ToList();
        Assert.Equal([(2024, 1, 2), (2025, 1, 2), (2026, 0, 2)], years);
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/progress?year=2023"))).ProblemAsync(422, "year_out_of_range");
        var empty = await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/progress?year=2026"))).OkJsonAsync();
        Assert.Equal(0, empty.GetProperty("reported").GetInt32());
    }

    [Fact]
    public async Task A_declaration_adopted_at_one_edition_is_followed_at_the_next_and_listed_on_the_series()
    {
        api.Clock.Set(June2024);
        var organiser = api.Organiser();
        var series = ApiFixture.NewSlug("series");
        await (await organiser.PostJsonAsync("/api/series", new { slug = series, name = "Annual forum", description = "Yearly." })).OkJsonAsync(201);
        var first = ApiFixture.NewSlug();
        var second = ApiFixture.NewSlug();
        foreach (var (slug, day) in new[] { (first, "2024-06-10"), (second, "2025-06-10") })
        {
            await (await organiser.PostJsonAsync("/api/conferences", Conferences.ConferenceRequests.NewConference(slug, series, day, day))).OkJsonAsync(201);
            await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)).OkJsonAsync();
            await (await organiser.PostJsonAsync($"/api/conferences/{slug}/registration/open", null)).OkJsonAsync();
        }

        var anonymous = api.Anonymous();
        var protocol = api.As(Forum.Api.Infrastructure.Roles.Protocol);
        async Task<Registered> Accredited(string slug)
        {
            var registered = await DelegationKit.ParseRegisteredAsync(await anonymous.PostJsonAsync($"/api/conferences/{slug}/delegations", DelegationKit.Organisation("Acme", advisers: 0)));
            await (await protocol.PostJsonAsync(DelegationKit.DelegationUrl(registered.Id, $"/members/{registered.MemberId(0)}/accreditation"), new { decision = "approve" })).OkJsonAsync();
            return registered;
        }

        var acme2024 = await Accredited(first);
        var draft = await (await organiser.PostJsonAsync($"/api/conferences/{first}/declarations", DeclarationKit.Text("Project Protect"))).OkJsonAsync(201);
        var id = draft.GetProperty("id").GetGuid();
        await (await organiser.PostJsonAsync(DeclarationKit.Url(id, "/adopt"), null)).OkJsonAsync();
        await (await organiser.PostJsonAsync(DeclarationKit.Url(id, "/open-for-signature"), new { })).OkJsonAsync();
        await (await organiser.PostJsonAsync(DeclarationKit.Url(id, "/signatures"), new { delegationId = acme2024.Id, memberId = acme2024.MemberId(0) })).OkJsonAsync();

        // A year later, Acme's delegation to the next edition reports for Acme.
        api.Clock.Set(new DateTimeOffset(2025, 2, 1, 10, 0, 0, TimeSpan.Zero));
        var acme2025 = await Accredited(second);
        var focalPoint = api.CreateClient();
        focalPoint.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", acme2025.Token);
        await (await focalPoint.PostJsonAsync(DeclarationKit.Url(id, "/reports"), DeclarationKit.Report(acme2025.Id, 2024, "Achieved", "Achieved", 10m))).OkJsonAsync();
        var year = await (await anonymous.GetAsync(DeclarationKit.Url(id, "/progress?year=2024"))).OkJsonAsync();
        Assert.Equal(1, year.GetProperty("reported").GetInt32());

        var page = await (await anonymous.GetAsync($"/api/series/{series}")).OkJsonAsync();
        var listed = Assert.Single(page.GetProperty("declarations").EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetGuid());
        Assert.Equal(first, listed.GetProperty("conferenceSlug").GetString());
        Assert.Equal(1, listed.GetProperty("signatories").GetInt32());
    }
}
