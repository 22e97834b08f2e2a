using System.Net;
using System.Text.RegularExpressions;
using CsvHelper;
using Forum.Api.Delegations;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Forum.Api.Venues;
using NodaTime;

namespace Forum.Api.Tests.Venues;

[Collection(ApiCollection.Name)]
public sealed partial class ParticipantsTests(ApiFixture api)
{
    // Accents, a comma, quotes, and a line break that names may hold (U+2028: names refuse control characters such as LF).
    private const string HardName = "José Ñúñez, dit \"Pepe\"\u2028de Séville";
    private const string HardFunction = "Conseiller, \"senior\" <affaires> & co";

    private sealed record Line(string Party, string Kind, string Name, string Function, string Rank, string Role, string Erased, string CheckedIn);

    private static object Person(string name, string rank, bool isHead = false, string? function = null) => new
    {
        name,
        function = function ?? $"Function of {name}",
        rank,
        email = $"p{Guid.NewGuid():N}@example.org",
        isHead,
    };

    private static List<Line> ReadCsv(string text)
    {
        using var reader = CsvReader.FromText(text.TrimStart('\uFEFF'));
        var lines = new List<Line>();
        foreach (var row in reader)
        {
            lines.Add(new Line(row["party"].ToString(), row["kind"].ToString(), row["name"].ToString(), row["function"].ToString(), row["rank"].ToString(), row["role"].ToString(), row["erased"].ToString(), row["checkedIn"].ToString()));
        }

        Assert.Equal(ParticipantsRenderer.CsvHeader, reader.Headers.ToArray());
        return lines;
    }

    [Fact]
    public async Task The_list_is_in_protocol_order_and_the_csv_reads_back_equal()
    {
        var kit = await VenueKit.CreateAsync(api);

        // Registered out of order on purpose; the accents of Côte d'Ivoire sort it before Croatia.
        await kit.AccreditedAsync(new { party = new { kind = "Company", name = "Acme, \"Inc\"" }, focalPoint = DelegationKit.FocalPoint("Acme"), members = new[] { Person("Wile Coyote", "Other", isHead: true) } });
        await kit.AccreditedAsync(new { party = new { kind = "InternationalOrganisation", name = "Interpol" }, focalPoint = DelegationKit.FocalPoint("Interpol"), members = new[] { Person("Jürgen Stock", "HeadOfOrganisation", isHead: true) } });
        var nl = await kit.AccreditedAsync(DelegationKit.StateWith("NL", [Person("Ard", "Minister", isHead: true)]));
        await kit.AccreditedAsync(DelegationKit.StateWith("HR", [Person("Hrvoje", "Minister", isHead: true)]));
        await kit.AccreditedAsync(DelegationKit.StateWith("CI", [Person("Amadou", "Minister", isHead: true)]));
        var be = await kit.AccreditedAsync(DelegationKit.StateWith("BE", [
            Person("Expert of BE", "Expert"),
            Person(HardName, "SeniorOfficial", function: HardFunction),
            Person("Head of BE", "DeputyMinister", isHead: true),
            Person("Ambassador of BE", "Ambassador"),
        ]));

        // Not participants: a pending member of a state (added, never accredited).
        await (await kit.Delegations.FocalPointClient(nl).PostJsonAsync(DelegationKit.DelegationUrl(nl.Id, "/members"), Person("Pending of NL", "Official"))).OkJsonAsync(201);

        // A participant checks in; another is erased.
        await kit.CheckInAsync(await kit.CodeAsync(be.Id, be.MemberId(2)), gate: "North");
        await (await kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(be.Id, $"/members/{be.MemberId(0)}/personal-data"))).OkJsonAsync();

        List<Line> expected =
        [
            new("Belgium", "State", "Head of BE", "Function of Head of BE", "DeputyMinister", "head", "false", "true"),
            new("Belgium", "State", "Ambassador of BE", "Function of Ambassador of BE", "Ambassador", "member", "false", "false"),
            new("Belgium", "State", HardName, HardFunction, "SeniorOfficial", "member", "false", "false"),
            new("Belgium", "State", ParticipantRow.ErasedText, "", "Expert", "member", "true", "false"),
            new("Côte d'Ivoire", "State", "Amadou", "Function of Amadou", "Minister", "head", "false", "false"),
            new("Croatia", "State", "Hrvoje", "Function of Hrvoje", "Minister", "head", "false", "false"),
            new("Netherlands", "State", "Ard", "Function of Ard", "Minister", "head", "false", "false"),
            new("Interpol", "InternationalOrganisation", "Jürgen Stock", "Function of Jürgen Stock", "HeadOfOrganisation", "head", "false", "false"),
            new("Acme, \"Inc\"", "Company", "Wile Coyote", "Function of Wile Coyote", "Other", "head", "false", "false"),
        ];

        var response = await kit.Protocol.GetAsync(kit.Delegations.Url("/participants.csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var csv = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Equal(expected, ReadCsv(csv));
        Assert.DoesNotContain("Pending of NL", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("Member 1 of BE", csv, StringComparison.Ordinal);

        // The printable list: the same people in the same order, every text encoded, print styles.
        var html = await (await kit.Protocol.GetAsync(kit.Delegations.Url("/participants"))).Content.ReadAsStringAsync();
        Assert.Contains("@media print", html, StringComparison.Ordinal);
        Assert.Contains("@page", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<affaires>", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(HardFunction), html, StringComparison.Ordinal);
        var names = NameCell().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(expected.Select(e => e.Name), names);
    }

    [Fact]
    public async Task The_html_list_encodes_every_name()
    {
        var kit = await VenueKit.CreateAsync(api);
        await kit.AccreditedAsync(new
        {
            party = new { kind = "NonGovernmentalOrganisation", name = "<script>alert(1)</script> & Co" },
            focalPoint = DelegationKit.FocalPoint("NGO"),
            members = new[] { Person("<b>Bold</b> \"Quoted\" & 'Single'", "Expert", isHead: true) },
        });
        var response = await kit.Protocol.GetAsync(kit.Delegations.Url("/participants"));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;Bold&lt;/b&gt; &quot;Quoted&quot; &amp; &#39;Single&#39;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_with_line_breaks_commas_and_quotes_survive_the_csv_round_trip()
    {
        string[] hard = ["a,b", "say \"hi\"", "two\r\nlines", "one\nline", "Ñandú é", "Zoë", ""];
        var rows = hard.Select((text, i) => new ParticipantRow(Guid.NewGuid(), Guid.NewGuid(), text, PartyKind.Company, text, text, Rank.Other, i == 0, false, i == 1 ? Instant.FromUtc(2012, 12, 5, 8, 30) : null, text)).ToList();
        var read = ReadCsv(System.Text.Encoding.UTF8.GetString(ParticipantsRenderer.Csv(rows)));
        Assert.Equal(hard, read.Select(r => r.Party));
        Assert.Equal(hard, read.Select(r => r.Name));
        Assert.Equal(hard, read.Select(r => r.Function));
        Assert.Equal(rows.Select(r => r.Role), read.Select(r => r.Role));
        Assert.Equal(rows.Select(r => r.CheckedIn ? "true" : "false"), read.Select(r => r.CheckedIn));

        // A text that a spreadsheet would run as a formula is written as text.
        var formula = new ParticipantRow(Guid.NewGuid(), Guid.NewGuid(), "=HYPERLINK(\"x\")", PartyKind.Company, "@SUM(1)", "f", Rank.Other, true, false, null, null);
        var protectedRow = Assert.Single(ReadCsv(System.Text.Encoding.UTF8.GetString(ParticipantsRenderer.Csv([formula]))));
        Assert.Equal("'=HYPERLINK(\"x\")", protectedRow.Party);
        Assert.Equal("'@SUM(1)", protectedRow.Name);
    }

    [GeneratedRegex("<td(?: class=\"erased\")?>([^<]*)</td><td>[^<]*</td><td>[^<]*</td><td>(?:head|member)</td>")]
    private static partial Regex NameCell();
}
