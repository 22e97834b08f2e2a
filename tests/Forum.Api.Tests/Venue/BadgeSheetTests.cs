using System.Net.Http.Headers;
using System.Text.Json;
using CsvHelper;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Venues;

/// <summary>What a protocol officer prints: a sheet of badges, and the list of participants with or without e-mail addresses.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadgeSheetTests(ApiFixture api)
{
    [Fact]
    public async Task The_badges_of_every_participant_come_in_protocol_order_and_their_codes_check_in()
    {
        var kit = await VenueKit.CreateAsync(api);
        var nl = await kit.AccreditedAsync(DelegationKit.State("NL", advisers: 1));
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        // A pending member gets no badge.
        await (await kit.Delegations.FocalPointClient(be).PostJsonAsync(DelegationKit.DelegationUrl(be.Id, "/members"), DelegationKit.Member("BE", 3))).OkJsonAsync(201);

        var badges = await (await kit.Protocol.GetAsync(kit.Delegations.Url("/badges"))).OkJsonAsync();
        Assert.Equal(new[] { be.MemberId(0), be.MemberId(1), nl.MemberId(0), nl.MemberId(1) }, badges.EnumerateArray().Select(b => b.GetProperty("memberId").GetGuid()));
        foreach (var badge in badges.EnumerateArray())
        {
            Assert.Equal(1, badge.GetProperty("serial").GetInt32());
            var checkIn = await kit.CheckInAsync(badge.GetProperty("code").GetString()!);
            Assert.Equal(badge.GetProperty("memberId").GetGuid(), checkIn.GetProperty("memberId").GetGuid());
        }

        // The same claim as the single badge's (the sheet issues no second serial; ECDSA signs each time anew).
        Assert.Equal(badges[0].GetProperty("code").GetString()!.Split('.')[0], (await kit.CodeAsync(be.Id, be.MemberId(0))).Split('.')[0]);

        var one = await (await kit.Protocol.GetAsync(kit.Delegations.Url($"/badges?delegationId={nl.Id}"))).OkJsonAsync();
        Assert.Equal(new[] { nl.MemberId(0), nl.MemberId(1) }, one.EnumerateArray().Select(b => b.GetProperty("memberId").GetGuid()));

        // Another conference's delegation is not found here; only protocol officers print badges.
        var other = await VenueKit.CreateAsync(api);
        await (await other.Protocol.GetAsync(other.Delegations.Url($"/badges?delegationId={nl.Id}"))).ProblemAsync(404, "not_found");
        Assert.False((await kit.Organiser.GetAsync(kit.Delegations.Url("/badges"))).IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_list_of_participants_offers_its_email_addresses_as_a_last_csv_column_and_as_json()
    {
        var kit = await VenueKit.CreateAsync(api);
        var be = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));

        var plain = await (await kit.Protocol.GetAsync(kit.Delegations.Url("/participants.csv"))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("@example.org", plain, StringComparison.Ordinal);

        var withEmails = await (await kit.Protocol.GetAsync(kit.Delegations.Url("/participants.csv?emails=true"))).Content.ReadAsStringAsync();
        using (var reader = CsvReader.FromText(withEmails.TrimStart('\uFEFF')))
        {
            var emails = new List<string>();
            foreach (var row in reader)
            {
                emails.Add(row["email"].ToString());
            }

            Assert.Equal("email", reader.Headers[^1]);
            Assert.Equal(new[] { DelegationKit.MemberEmail("BE", 1), DelegationKit.MemberEmail("BE", 2) }, emails);
        }

        var request = new HttpRequestMessage(HttpMethod.Get, kit.Delegations.Url("/participants"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var rows = await (await kit.Protocol.SendAsync(request)).OkJsonAsync();
        Assert.Equal(new[] { be.MemberId(0), be.MemberId(1) }, rows.EnumerateArray().Select(r => r.GetProperty("memberId").GetGuid()));
        Assert.Equal(DelegationKit.MemberEmail("BE", 1), rows[0].GetProperty("email").GetString());

        // Without an Accept for JSON, still the printable page.
        var html = await kit.Protocol.GetAsync(kit.Delegations.Url("/participants"));
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
    }
}
