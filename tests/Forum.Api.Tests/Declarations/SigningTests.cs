using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Declarations;

[Collection(ClockedCollection.Name)]
public sealed class SigningTests(ClockedApiFixture api)
{
    [Fact]
    public async Task The_head_of_ministerial_rank_signs_and_the_signature_carries_the_hash_of_the_served_text()
    {
        var kit = await DeclarationKit.CreateAsync(api, new DateTimeOffset(2012, 12, 5, 15, 0, 0, TimeSpan.Zero));
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var id = await kit.OpenAsync();

        var signed = await kit.SignAsync(id, belgium);
        Assert.Equal(1, signed.GetProperty("signatories").GetInt32());

        var (register, _) = await kit.RegisterOfAsync(id);
        var row = DeclarationKit.Row(register, "Belgium");
        Assert.Equal("Signed", row.GetProperty("status").GetString());
        var signature = row.GetProperty("signature");
        Assert.Equal("Member 1 of BE", signature.GetProperty("signatory").GetString());
        Assert.Equal("Minister of Justice", signature.GetProperty("function").GetString());
        Assert.Equal("2012-12-05", signature.GetProperty("date").GetString());
        Assert.Equal("Brussels", signature.GetProperty("place").GetString());
        var text = await kit.Anonymous.GetByteArrayAsync(DeclarationKit.Url(id, "/text"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(text)), signature.GetProperty("textHash").GetString());
    }

    [Fact]
    public async Task Signatures_are_refused_before_the_declaration_is_adopted_and_opened()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var (id, _) = await kit.DraftAsync();
        await (await kit.SignRawAsync(id, belgium)).ProblemAsync(409, "not_open_for_signature");
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/open-for-signature"), new { })).ProblemAsync(409, "not_adopted");
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/adopt"), null)).OkJsonAsync();
        await (await kit.SignRawAsync(id, belgium)).ProblemAsync(409, "not_open_for_signature");
        await (await kit.Anonymous.GetAsync(DeclarationKit.Url(id, "/signatories"))).OkJsonAsync();
        Assert.Equal(0, (await kit.RegisterOfAsync(id)).Body.GetProperty("parties").GetInt32());
    }

    [Fact]
    public async Task Opened_at_a_signing_ceremony_it_takes_signatures_from_the_ceremony_s_start_on()
    {
        // The test conference is on 5 December 2012 in Brussels (UTC+1): the ceremony starts at 15:30 UTC.
        var kit = await DeclarationKit.CreateAsync(api, new DateTimeOffset(2012, 12, 5, 9, 0, 0, TimeSpan.Zero));
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var room = await (await kit.Organiser.PostJsonAsync(kit.Delegations.Url("/rooms"), new { name = "Plenary Hall", capacity = 300 })).OkJsonAsync(201);
        var roomId = room.GetProperty("id").GetGuid();
        Guid Schedule(JsonElement s) => s.GetProperty("id").GetGuid();
        var ceremony = Schedule(await (await kit.Organiser.PostJsonAsync(kit.Delegations.Url("/sessions"), new
        {
            kind = "SigningCeremony", title = "Signing", roomId, start = "2012-12-05T16:30", end = "2012-12-05T17:00", speakers = Array.Empty<string>(), isPublic = true,
        })).OkJsonAsync(201));
        var plenary = Schedule(await (await kit.Organiser.PostJsonAsync(kit.Delegations.Url("/sessions"), new
        {
            kind = "Plenary", title = "Opening", roomId, start = "2012-12-05T09:30", end = "2012-12-05T10:00", speakers = Array.Empty<string>(), isPublic = true,
        })).OkJsonAsync(201));
        var (id, _) = await kit.DraftAsync();
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/adopt"), null)).OkJsonAsync();

        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/open-for-signature"), new { sessionId = plenary })).ProblemAsync(422, "not_a_signing_ceremony");
        var opened = await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, "/open-for-signature"), new { sessionId = ceremony })).OkJsonAsync();
        Assert.Equal("2012-12-05T15:30:00Z", opened.GetProperty("signing").GetProperty("opensAt").GetString());

        await (await kit.SignRawAsync(id, belgium)).ProblemAsync(409, "not_open_for_signature");
        api.Clock.Set(new DateTimeOffset(2012, 12, 5, 15, 31, 0, TimeSpan.Zero));
        await kit.SignAsync(id, belgium);
    }

    [Fact]
    public async Task Only_the_head_of_ministerial_rank_or_a_member_with_confirmed_full_powers_signs_and_a_refusal_says_why()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var belgium = await kit.AccreditedAsync(DelegationKit.StateWith("BE",
        [
            DelegationKit.Member("BE", 1, isHead: true, rank: "SeniorOfficial"),
            DelegationKit.Member("BE", 2),
            DelegationKit.Member("BE", 3, hasFullPowers: true),
        ]));
        var id = await kit.OpenAsync();

        var head = await (await kit.SignRawAsync(id, belgium, member: 0)).ProblemAsync(422, "not_entitled_to_sign");
        Assert.Contains("not of ministerial rank", head.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var adviser = await (await kit.SignRawAsync(id, belgium, member: 1)).ProblemAsync(422, "not_entitled_to_sign");
        Assert.Contains("full powers", adviser.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var unconfirmed = await (await kit.SignRawAsync(id, belgium, member: 2)).ProblemAsync(422, "not_entitled_to_sign");
        Assert.Contains("not confirmed them yet", unconfirmed.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var fullPowers = DelegationKit.DelegationUrl(belgium.Id, $"/members/{belgium.MemberId(2)}/full-powers");
        await (await kit.Delegations.FocalPointClient(belgium).PostJsonAsync(fullPowers, new { confirmed = true })).ProblemAsync(403, "forbidden");
        await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(belgium.Id, $"/members/{belgium.MemberId(1)}/full-powers"), new { confirmed = true }))
            .ProblemAsync(422, "full_powers_not_declared");
        await (await kit.Protocol.PostJsonAsync(fullPowers, new { confirmed = false })).ProblemAsync(400, "validation_failed");
        var refused = await (await kit.Protocol.PostJsonAsync(fullPowers, new { confirmed = false, reason = "The letter of credence is not signed." })).OkJsonAsync();
        Assert.False(DelegationKit.MemberOf(refused, belgium.MemberId(2)).GetProperty("fullPowers").GetProperty("confirmed").GetBoolean());
        var stillRefused = await (await kit.SignRawAsync(id, belgium, member: 2)).ProblemAsync(422, "not_entitled_to_sign");
        Assert.Contains("did not confirm", stillRefused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await (await kit.Protocol.PostJsonAsync(fullPowers, new { confirmed = true })).OkJsonAsync();
        await kit.SignAsync(id, belgium, member: 2);
        var row = DeclarationKit.Row((await kit.RegisterOfAsync(id)).Body, "Belgium");
        Assert.Equal("Member 3 of BE", row.GetProperty("signature").GetProperty("signatory").GetString());
    }

    [Fact]
    public async Task An_unaccredited_member_is_refused_and_a_party_signs_once()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var france = await kit.Delegations.RegisterAsync(DelegationKit.StateWith("FR", [DelegationKit.Member("FR", 1, isHead: true), DelegationKit.Member("FR", 2, hasFullPowers: true)]));
        var id = await kit.OpenAsync();
        var pending = await (await kit.SignRawAsync(id, france)).ProblemAsync(422, "not_entitled_to_sign");
        Assert.Contains("not accredited", pending.GetProperty("detail").GetString(), StringComparison.Ordinal);

        foreach (var member in new[] { 0, 1 })
        {
            await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(france.Id, $"/members/{france.MemberId(member)}/accreditation"), new { decision = "approve" })).OkJsonAsync();
        }

        await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(france.Id, $"/members/{france.MemberId(1)}/full-powers"), new { confirmed = true })).OkJsonAsync();
        await kit.SignAsync(id, france);
        await (await kit.SignRawAsync(id, france, member: 1)).ProblemAsync(409, "already_signed");
        Assert.Equal(1, (await kit.RegisterOfAsync(id)).Body.GetProperty("bound").GetInt32());
    }

    [Fact]
    public async Task A_focal_point_signs_and_withdraws_for_its_own_delegation_only()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var france = await kit.AccreditedAsync(DelegationKit.State("FR", advisers: 0));
        var id = await kit.OpenAsync();
        var belgiumFocalPoint = kit.Delegations.FocalPointClient(belgium);

        await (await kit.SignRawAsync(id, france, via: belgiumFocalPoint)).ProblemAsync(404, "not_found");
        await (await kit.SignRawAsync(id, belgium, via: kit.Protocol)).ProblemAsync(403, "forbidden");
        await (await kit.SignRawAsync(id, belgium, via: kit.Anonymous)).ProblemAsync(401, "unauthenticated");
        Assert.Equal(0, (await kit.RegisterOfAsync(id)).Body.GetProperty("parties").GetInt32());

        await kit.SignAsync(id, belgium, via: belgiumFocalPoint);
        await kit.SignAsync(id, france);
        await (await kit.Delegations.FocalPointClient(france).PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{belgium.Id}/withdraw"), new { reason = "Not ours to withdraw." }))
            .ProblemAsync(404, "not_found");
        Assert.Equal(2, (await kit.RegisterOfAsync(id)).Body.GetProperty("bound").GetInt32());
        await (await belgiumFocalPoint.PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{belgium.Id}/withdraw"), new { reason = "Parliament did not approve." })).OkJsonAsync();
        Assert.Equal(1, (await kit.RegisterOfAsync(id)).Body.GetProperty("bound").GetInt32());
    }

    [Fact]
    public async Task Accession_after_the_conference_withdrawal_and_accession_again_are_all_in_the_register()
    {
        var kit = await DeclarationKit.CreateAsync(api, new DateTimeOffset(2012, 12, 5, 16, 0, 0, TimeSpan.Zero));
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var japan = await kit.AccreditedAsync(DelegationKit.State("JP", advisers: 0));
        var commission = await kit.AccreditedAsync(DelegationKit.Organisation("European Commission", "InternationalOrganisation", advisers: 0));
        var id = await kit.OpenAsync();
        await kit.SignAsync(id, belgium);
        await kit.SignAsync(id, commission);
        await kit.ConcludeAsync();

        api.Clock.Set(new DateTimeOffset(2013, 3, 1, 10, 0, 0, TimeSpan.Zero));
        await kit.SignAsync(id, japan);
        api.Clock.Set(new DateTimeOffset(2014, 6, 2, 10, 0, 0, TimeSpan.Zero));
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{belgium.Id}/withdraw"), new { })).ProblemAsync(400, "validation_failed");
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{belgium.Id}/withdraw"), new { reason = "A change of government." })).OkJsonAsync();
        await (await kit.Organiser.PostJsonAsync(DeclarationKit.Url(id, $"/signatures/{belgium.Id}/withdraw"), new { reason = "Again." })).ProblemAsync(409, "not_signed");

        var (register, _) = await kit.RegisterOfAsync(id);
        var be = DeclarationKit.Row(register, "Belgium");
        Assert.Equal("Withdrawn", be.GetProperty("status").GetString());
        Assert.Equal("2012-12-05", be.GetProperty("signature").GetProperty("date").GetString());
        Assert.Equal("2014-06-02", be.GetProperty("withdrawal").GetProperty("date").GetString());
        Assert.Equal("A change of government.", be.GetProperty("withdrawal").GetProperty("reason").GetString());
        var jp = DeclarationKit.Row(register, "Japan");
        Assert.Equal("Acceded", jp.GetProperty("status").GetString());
        Assert.Equal("2013-03-01", jp.GetProperty("accession").GetProperty("date").GetString());
        Assert.True(DelegationKit.IsNullOrAbsent(jp, "signature"));

        var groups = register.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("kind").GetString(), g.GetProperty("parties").GetInt32(), g.GetProperty("bound").GetInt32())).ToList();
        Assert.Equal([("State", 2, 1), ("InternationalOrganisation", 1, 1)], groups);

        api.Clock.Set(new DateTimeOffset(2016, 1, 15, 10, 0, 0, TimeSpan.Zero));
        await kit.SignAsync(id, belgium);
        be = DeclarationKit.Row((await kit.RegisterOfAsync(id)).Body, "Belgium");
        Assert.Equal("Acceded", be.GetProperty("status").GetString());
        Assert.Equal(["Signature", "Withdrawal", "Accession"], be.GetProperty("acts").EnumerateArray().Select(a => a.GetProperty("kind").GetString()!).ToArray());
    }

    [Fact]
    public async Task A_signatory_s_name_and_function_stay_in_the_register_after_erasure()
    {
        var kit = await DeclarationKit.CreateAsync(api);
        var belgium = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var id = await kit.OpenAsync();
        await kit.SignAsync(id, belgium);
        await (await kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(belgium.Id, $"/members/{belgium.MemberId(0)}/personal-data"))).OkJsonAsync();

        var member = DelegationKit.MemberOf((await kit.Delegations.StaffViewAsync(belgium.Id)).Body, belgium.MemberId(0));
        Assert.True(member.GetProperty("erased").GetBoolean());
        var signature = DeclarationKit.Row((await kit.RegisterOfAsync(id)).Body, "Belgium").GetProperty("signature");
        Assert.Equal("Member 1 of BE", signature.GetProperty("signatory").GetString());
        Assert.Equal("Minister of Justice", signature.GetProperty("function").GetString());
    }
}
