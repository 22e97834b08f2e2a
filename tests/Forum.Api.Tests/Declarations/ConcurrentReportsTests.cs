using System.Text.Json;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Declarations;

[Collection(ApiCollection.Name)]
public sealed class ConcurrentReportsTests(ApiFixture api)
{
    [Fact]
    public async Task Reports_of_many_parties_sent_at_once_are_all_counted_in_the_years_aggregate()
    {
        var conferences = api.Services.GetRequiredService<ConferenceService>();
        var delegations = api.Services.GetRequiredService<DelegationService>();
        var declarations = api.Services.GetRequiredService<DeclarationService>();
        var slug = ApiFixture.NewSlug("reports");
        const string actor = "test";
        var ct = CancellationToken.None;
        await conferences.ScheduleAsync(new ScheduleConferenceRequest(
            slug, "Reports at once", null, new VenueRequest("Hall", "Brussels", "BE"), "Europe/Brussels", "2026-06-10", "2026-06-10", ["en"], 500, 4), actor, ct);
        await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), actor, null, ct);
        await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), actor, null, ct);
        var id = (await declarations.DraftAsync(slug, new DraftDeclarationRequest("Title", "Preamble.", [new CommitmentRequest("A commitment.", null, null)], null), actor, ct)).Id;
        await declarations.AdoptAsync(id, null, actor, ct);
        await declarations.OpenForSignatureAsync(id, null, null, actor, ct);
        var parties = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            var view = await delegations.RegisterAsync(slug, new RegisterDelegationRequest(
                new PartyRequest("Company", null, $"Company {i}"), new ContactRequest("Focal point", $"focal.{i}@example.org"),
                [new MemberRequest($"Head {i}", "Chief executive", "HeadOfOrganisation", $"head.{i}@example.org", true, null)]), null, actor, ct);
            await delegations.DecideAccreditationAsync(view.Id, view.Members[0].Id, new AccreditationRequest("approve", null), null, actor, ct);
            await declarations.SignAsync(id, new SignRequest(view.Id, view.Members[0].Id, null, null), null, actor, ct);
            parties.Add(view.Id);
        }

        // Each party's report is a stream of its own, but the year's figures are one document for all of them.
        var year = TimeProvider.System.GetUtcNow().Year;
        await Task.WhenAll(parties.Select(p => Task.Run(() =>
            declarations.ReportAsync(id, new ReportRequest(p, year, [new CommitmentProgressRequest(1, "InProgress", null, "Done in part.")]), null, actor, ct))));

        var progress = JsonDocument.Parse((await declarations.ProgressAsync(id, year, organiser: true, ct))!.Value.Body).RootElement;
        Assert.Equal(12, progress.GetProperty("reported").GetInt32());
        Assert.Equal(12, progress.GetProperty("reporters").GetArrayLength());
        Assert.Equal(0, progress.GetProperty("notReported").GetArrayLength());
    }
}
