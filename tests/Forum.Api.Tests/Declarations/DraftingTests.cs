using System.Security.Cryptography;
using System.Net.Http.Json;
using System.Text;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Declarations;

[Collection(ClockedCollection.Name)]
public sealed class DraftingTests(ClockedApiFixture api)
{
    [Fact]
    public async Task Every_draft_is_a_version_that_can_be_read_back_and_the_changes_between_two_are_listed()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var (id, etag) = await kit.DraftAsync(DeclarationKit.Text("First title", commitments: 2));
        var second = new
        {
            title = "Second title",
            preamble = "The signatories join forces.",
            commitments = new object[]
            {
                new { text = "Commitment 1: identify more victims." },
                new { text = "Commitment 2: grow the shared database faster.", indicator = new { name = "Growth of the shared database", unit = "percent" }, yearlyTarget = 15 },
                new { text = "Commitment 3: train investigators." },
            },
        };
        var redrafted = await (await DelegationKit.SendJsonAsync(kit.Organiser, HttpMethod.Put, DeclarationKit.Url(id), second, etag)).OkJsonAsync();
        Assert.Equal(2, redrafted.GetProperty("version").GetInt32());

        var v1 = await (await kit.Organiser.GetAsync(DeclarationKit.Url(id, "?version=1"))).OkJsonAsync();
        Assert.Equal("First title", v1.GetProperty("title").GetString());
        Assert.Equal(2, v1.GetProperty("commitments").GetArrayLength());
        Assert.Equal(2, v1.GetProperty("latestVersion").GetInt32());
        var latest = await (await kit.Organiser.GetAsync(DeclarationKit.Url(id))).OkJsonAsync();
        Assert.Equal("Second title", latest.GetProperty("title").GetString());
        Assert.Equal(3, latest.GetProperty("commitments")[2].GetProperty("number").GetInt32());
        await (await kit.Organiser.GetAsync(DeclarationKit.Url(id, "?version=3"))).ProblemAsync(404, "not_found");

        var changes = (await (await kit.Organiser.GetAsync(DeclarationKit.Url(id, "/changes?from=1&to=2"))).OkJsonAsync()).GetProperty("changes").EnumerateArray()
            .Select(c => (c.GetProperty("field").GetString(), c.GetProperty("change").GetString(), c.TryGetProperty("number", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.Number ? n.GetInt32() : 0))
            .ToList();
        Assert.Equal([("title", "Changed", 0), ("commitment", "Changed", 2), ("commitment", "Added", 3)], changes);
    }

    [Fact]
    public async Task A_new_draft_with_a_stale_If_Match_is_refused_and_the_draft_stays_as_it_was()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var (id, etag) = await kit.DraftAsync();
        await (await DelegationKit.SendJsonAsync(kit.Organiser, HttpMethod.Put, DeclarationKit.Url(id), DeclarationKit.Text("Changed"), etag)).OkJsonAsync();
        await (await DelegationKit.SendJsonAsync(kit.Organiser, HttpMethod.Put, DeclarationKit.Url(id), DeclarationKit.Text("Stale"), etag)).ProblemAsync(412, "precondition_failed");
        var latest = await (await kit.Organiser.GetAsync(DeclarationKit.Url(id))).OkJsonAsync();
        Assert.Equal("Changed", latest.GetProperty("title").GetString());
        Assert.Equal(2, latest.GetProperty("latestVersion").GetInt32());
    }

    [Fact]
    public async Task Adoption_records_the_SHA_256_of_the_served_canonical_text_and_freezes_it()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        // A decomposed é, CR LF line ends and trailing spaces: the canonical form has none of them.
        var (id, _) = await kit.DraftAsync(new
        {
            title = "  Déclaration de Bruxelles ",
            preamble = "Les signataires\r\nunissent leurs forces.   \r\nEnsemble.",
            commitments = new object[]
            {
                new { text = "Identifier davantage de victimes." },
                new { text = "Accroître la base de données.", indicator = new { name = "Croissance de la base", unit = "pour cent par an" }, yearlyTarget = 10.50m },
            },
        });
        var adopted = await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/adopt"), null)).OkJsonAsync();
        Assert.Equal("Adopted", adopted.GetProperty("status").GetString());

        var response = await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/text"));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), adopted.GetProperty("textHash").GetString());
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Equal(
            "Déclaration de Bruxelles\n\nLes signataires\nunissent leurs forces.\nEnsemble.\n\n1. Identifier davantage de victimes.\n\n" +
            "2. Accroître la base de données.\n   Indicator: Croissance de la base (pour cent par an)\n   Yearly target: 10.5\n",
            text);
        Assert.True(text.IsNormalized(NormalizationForm.FormC));
        Assert.NotEqual(0xEF, bytes[0]);

        await (await kit.Organiser.PutAsJsonAsync(DeclarationKit.Url(id), DeclarationKit.Text("Another text"), ApiFixture.JsonOptions)).ProblemAsync(409, "declaration_adopted");
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/adopt"), null)).ProblemAsync(409, "declaration_adopted");
        var after = await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id))).OkJsonAsync();
        Assert.Equal("Déclaration de Bruxelles", after.GetProperty("title").GetString());
        Assert.Equal(adopted.GetProperty("textHash").GetString(), after.GetProperty("textHash").GetString());
    }

    [Fact]
    public async Task Drafts_are_for_organisers_and_the_adopted_text_is_public()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var (id, _) = await kit.DraftAsync();
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id))).ProblemAsync(404, "not_found");
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/text"))).ProblemAsync(404, "not_found");
        Assert.Equal(0, (await (await kit.Anonymous.GetAsync(kit.Delegations.Url("/declarations"))).OkJsonAsync()).GetArrayLength());
        await (await kit.Protocol.PutAsJsonAsync(DeclarationKit.Url(id), DeclarationKit.Text("By protocol"), ApiFixture.JsonOptions)).ProblemAsync(403, "forbidden");

        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/adopt"), null)).OkJsonAsync();
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id))).OkJsonAsync();
        var listed = await (await kit.Anonymous.GetAsync(kit.Delegations.Url("/declarations"))).OkJsonAsync();
        Assert.Equal(id, listed[0].GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_draft_with_invalid_fields_is_refused_field_by_field()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var problem = await (await kit.Organiser.PostJsonAsync(kit.Delegations.Url("/declarations"), new
        {
            title = "",
            preamble = "Fine.",
            commitments = new object[] { new { text = "Grow.", yearlyTarget = 10 } },
            reportingDeadline = "31-03",
        })).ProblemAsync(400, "validation_failed");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("title", out _));
        Assert.True(errors.TryGetProperty("commitments[0].yearlyTarget", out _));
        Assert.True(errors.TryGetProperty("reportingDeadline", out _));
        Assert.Equal(0, (await (await kit.Organiser.GetAsync(kit.Delegations.Url("/declarations"))).OkJsonAsync()).GetArrayLength());
    }
}
