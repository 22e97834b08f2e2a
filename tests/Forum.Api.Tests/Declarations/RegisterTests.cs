using System.Net;
using System.Net.Http.Headers;
using CsvHelper;
using Forum.Api.Declarations;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Declarations;

[Collection(ClockedCollection.Name)]
public sealed class RegisterTests(ClockedApiFixture api)
{
    [Fact]
    public async Task The_register_groups_parties_by_kind_in_protocol_order_with_totals()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var parties = new[]
        {
            await kit.AccreditedAsync(DelegationKit.Organisation("Zeta Corp", "Company", advisers: 0)),
            await kit.AccreditedAsync(DelegationKit.State("FR", advisers: 0)),
            await kit.AccreditedAsync(DelegationKit.Organisation("Interpol", "InternationalOrganisation", advisers: 0)),
            await kit.AccreditedAsync(DelegationKit.State("CI", advisers: 0)),
            await kit.AccreditedAsync(DelegationKit.State("HR", advisers: 0)),
            await kit.AccreditedAsync(DelegationKit.Organisation("Acme", "Company", advisers: 0)),
        };
        var id = await kit.OpenAsync();
        foreach (var party in parties)
        {
            await kit.SignAsync(id, party);
        }

        var (register, _) = await kit.RegisterOfAsync(id);
        Assert.Equal(6, register.GetProperty("parties").GetInt32());
        var groups = register.GetProperty("groups").EnumerateArray()
            .Select(g => (g.GetProperty("label").GetString(), g.GetProperty("parties").GetInt32(), string.Join("|", g.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("party").GetProperty("name").GetString()))))
            .ToList();
        Assert.Equal(
            [("States", 3, "Côte d'Ivoire|Croatia|France"), ("International organisations", 1, "Interpol"), ("Companies", 2, "Acme|Zeta Corp")],
            groups);
    }

    [Fact]
    public async Task The_register_answers_304_to_its_ETag_until_a_signature_changes_it()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var france = await kit.AccreditedAsync(DelegationKit.State("FR", advisers: 0));
        var id = await kit.OpenAsync();
        await kit.SignAsync(id, belgium);
        var (_, etag) = await kit.RegisterOfAsync(id);

        async Task<HttpResponseMessage> Conditional()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, DeclarationKit.Url(id, "/signatories"));
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
            return await kit.Anonymous.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.NotModified, (await Conditional()).StatusCode);
        await kit.SignAsync(id, france);
        var changed = await Conditional();
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
        Assert.Equal(2, (await changed.OkJsonAsync()).GetProperty("parties").GetInt32());
    }

    [Fact]
    public async Task The_register_as_CSV_reads_back_equal_to_the_JSON()
    {
        var kit = await DeclarationKit.CreateAsync(api, new DateTimeOffset(2012, 12, 5, 16, 0, 0, TimeSpan.Zero));
        var belgium = await kit.AccreditedAsync(DelegationKit.StateWith("BE", [DelegationKit.Member("BE", 1, isHead: true, function: "Minister of Justice, \"acting\"")]));
        var acme = await kit.AccreditedAsync(DelegationKit.Organisation("=Acme, Inc", "Company", advisers: 0));
        var id = await kit.OpenAsync();
        await kit.SignAsync(id, belgium);
        await kit.SignAsync(id, acme);
        api.Clock.Set(new DateTimeOffset(2013, 1, 10, 10, 0, 0, TimeSpan.Zero));
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{acme.Id}/withdraw"), new { reason = "Sold, merged;\n\"gone\"." })).OkJsonAsync();

        var response = await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/signatories?format=csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        using var reader = CsvReader.FromText((await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF'));
        var rows = new List<(string, string, string, string, string, string, string)>();
        foreach (var r in reader)
        {
            rows.Add((r["party"].ToString(), r["status"].ToString(), r["signatory"].ToString(), r["function"].ToString(), r["signatureDate"].ToString(),
                r["withdrawalDate"].ToString(), r["withdrawalReason"].ToString()));
        }

        Assert.Equal(SignatoryRegister.CsvHeader, reader.Headers.ToArray());
        Assert.Equal(
            [
                ("Belgium", "Signed", "Member 1 of BE", "Minister of Justice, \"acting\"", "2012-12-05", "", ""),
                ("'=Acme, Inc", "Withdrawn", "Member 1 of =Acme, Inc", "Minister of Justice", "2012-12-05", "2013-01-10", "Sold, merged;\n\"gone\"."),
            ],
            rows);
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/signatories?format=xml"))).ProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task There_is_no_register_for_a_draft_or_an_unknown_declaration()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var (id, _) = await kit.DraftAsync();
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/signatories"))).ProblemAsync(404, "not_found");
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(Guid.NewGuid(), "/signatories"))).ProblemAsync(404, "not_found");
    }
}
