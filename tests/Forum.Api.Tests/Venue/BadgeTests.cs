using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Venues;

[Collection(ApiCollection.Name)]
public sealed class BadgeTests(ApiFixture api)
{
    private const string TrickyName = "Zoë <Ana> & \"Bo\" O'Neil";

    [Fact]
    public async Task A_participant_gets_a_well_formed_svg_badge_with_name_function_party_and_code()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.StateWith("BE", [
            DelegationKit.Member("BE", 1, isHead: true),
            new { name = TrickyName, function = "Adviser <legal> & \"policy\"", rank = "Expert", email = "zoe@example.org", isHead = false },
        ]));
        var member = delegation.MemberId(1);

        var response = await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, member));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore, "a badge carries a credential: no cache may keep it");

        // Well-formed whatever the name holds: the XML parser reads back exactly the name and the function.
        var svg = XDocument.Parse(text);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains(TrickyName, texts);
        Assert.Contains(texts, t => t.Contains("Adviser <legal> & \"policy\"", StringComparison.Ordinal));
        Assert.Contains("Belgium", texts);
        Assert.Contains(texts, t => t.Contains("Launch of the Global Alliance", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("State delegation", StringComparison.Ordinal));
        Assert.DoesNotContain("<Ana>", text, StringComparison.Ordinal);

        // The role colour of a state, and the QR code holding the same code as the JSON rendering.
        Assert.Contains(svg.Descendants(ns + "rect"), r => (string?)r.Attribute("fill") == "#1f4e9c");
        Assert.NotEmpty((string?)svg.Descendants(ns + "path").Single().Attribute("d") ?? "");
        var json = await kit.BadgeAsync(delegation.Id, member);
        // ECDSA signatures are randomised: each rendering signs anew, the payload is the same and both verify.
        var svgCode = (string?)svg.Root.Attribute("data-badge-code") ?? "";
        Assert.Equal(json.GetProperty("code").GetString()!.Split('.')[0], svgCode.Split('.')[0]);
        Assert.True(VenueKit.VerifyWithJwk(await kit.KeyAsync(), svgCode));
        Assert.Equal(TrickyName, json.GetProperty("name").GetString());
        Assert.Equal(1, json.GetProperty("serial").GetInt32());
    }

    [Fact]
    public async Task Accept_image_png_gives_the_qr_code_as_a_png()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var request = new HttpRequestMessage(HttpMethod.Get, VenueKit.BadgeUrl(delegation.Id, delegation.MemberId(0)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
        var response = await kit.Protocol.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
    }

    [Fact]
    public async Task The_focal_point_gets_its_own_members_badges()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var badge = await kit.BadgeAsync(delegation.Id, delegation.MemberId(1), kit.Delegations.FocalPointClient(delegation));
        Assert.Equal(delegation.MemberId(1), badge.GetProperty("memberId").GetGuid());
    }

    [Fact]
    public async Task Only_participants_get_a_badge()
    {
        var kit = await VenueKit.CreateAsync(api, capacity: 2);
        var delegation = await kit.Delegations.RegisterAsync(DelegationKit.State("BE", advisers: 3));
        var (head, pending, rejected, waiting) = (delegation.MemberId(0), delegation.MemberId(1), delegation.MemberId(2), delegation.MemberId(3));
        await kit.ApproveAsync(delegation.Id, head);
        await kit.ApproveAsync(delegation.Id, waiting);
        await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{rejected}/accreditation"), new { decision = "reject", reason = "No credentials" })).OkJsonAsync();

        Assert.True((await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, head))).IsSuccessStatusCode);
        var refused = await (await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, pending))).ProblemAsync(409, "not_accredited");
        Assert.Equal("Pending", refused.GetProperty("accreditation").GetString());
        await (await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, rejected))).ProblemAsync(409, "not_accredited");

        // Accredited, but on the waiting list (capacity 2: the head and the pending member hold the places).
        Assert.Equal("Waiting", DelegationKit.PlaceOf(DelegationKit.MemberOf((await kit.Delegations.StaffViewAsync(delegation.Id)).Body, waiting)));
        var waitingProblem = await (await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, waiting))).ProblemAsync(409, "not_accredited");
        Assert.Equal("Waiting", waitingProblem.GetProperty("place").GetString());

        await (await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, Guid.NewGuid()))).ProblemAsync(404, "not_found");
        await (await kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{head}/personal-data"))).OkJsonAsync();
        await (await kit.Protocol.GetAsync(VenueKit.BadgeUrl(delegation.Id, head))).ProblemAsync(409, "member_erased");
    }

    [Fact]
    public async Task The_badge_code_verifies_with_the_published_jwk_alone_and_forgeries_do_not()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var code = await kit.CodeAsync(delegation.Id, delegation.MemberId(1));

        var keyResponse = await kit.Anonymous.GetAsync(kit.Delegations.Url("/check-in/key"));
        var jwk = await keyResponse.OkJsonAsync();
        Assert.Equal("sig", jwk.GetProperty("use").GetString());
        Assert.Equal(32, VenueKit.FromBase64Url(jwk.GetProperty("x").GetString()!).Length);
        Assert.Equal(32, VenueKit.FromBase64Url(jwk.GetProperty("y").GetString()!).Length);
        Assert.False(jwk.TryGetProperty("d", out _), "the private key is never published");
        Assert.Equal((await kit.BadgeAsync(delegation.Id, delegation.MemberId(1))).GetProperty("keyId").GetString(), jwk.GetProperty("kid").GetString());
        Assert.Equal(jwk.ToString(), (await kit.KeyAsync()).ToString());

        Assert.True(VenueKit.VerifyWithJwk(jwk, code));
        var decoded = VenueKit.Decode(code);
        Assert.Equal(new DecodedBadge(1, delegation.Id, delegation.MemberId(1), 1, kit.Slug), decoded);

        var forged = VenueKit.Forge(code);
        var altered = VenueKit.AlterSerial(code);
        var flipped = code[..^2] + (code[^2] == 'A' ? 'B' : 'A') + code[^1];
        Assert.False(VenueKit.VerifyWithJwk(jwk, forged));
        Assert.False(VenueKit.VerifyWithJwk(jwk, altered));
        Assert.False(VenueKit.VerifyWithJwk(jwk, flipped));

        foreach (var bad in new[] { forged, altered, flipped, code + "A", code.Replace('.', '~'), "not a code", code.Split('.')[0] })
        {
            await (await kit.CheckInRawAsync(bad)).ProblemAsync(422, "badge_invalid");
        }

        // Nothing of the refused scans counted; the genuine code still checks in.
        Assert.Equal(0, (await kit.SummaryAsync()).GetProperty("checkedIn").GetInt32());
        Assert.Equal("CheckedIn", (await kit.CheckInAsync(code)).GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_reissued_badge_refuses_the_old_code_and_accepts_the_new()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 1));
        var member = delegation.MemberId(1);
        var old = await kit.CodeAsync(delegation.Id, member);

        var reissued = await (await kit.Protocol.PostJsonAsync(VenueKit.BadgeUrl(delegation.Id, member, "/reissue"), null)).OkJsonAsync();
        Assert.Equal(2, reissued.GetProperty("serial").GetInt32());
        var fresh = reissued.GetProperty("code").GetString()!;
        Assert.NotEqual(old, fresh);
        Assert.Equal(fresh.Split('.')[0], (await kit.CodeAsync(delegation.Id, member)).Split('.')[0]);
        Assert.True(VenueKit.VerifyWithJwk(await kit.KeyAsync(), fresh));
        Assert.Equal(2u, VenueKit.Decode(fresh).Serial);

        // The old badge is genuine (its signature verifies offline) but revoked.
        Assert.True(VenueKit.VerifyWithJwk(await kit.KeyAsync(), old));
        var revoked = await (await kit.CheckInRawAsync(old)).ProblemAsync(409, "badge_revoked");
        Assert.Equal(2, revoked.GetProperty("currentSerial").GetInt32());
        Assert.Equal("CheckedIn", (await kit.CheckInAsync(fresh)).GetProperty("result").GetString());
        await (await kit.CheckInRawAsync(old)).ProblemAsync(409, "badge_revoked");
    }

    [Fact]
    public async Task A_badge_of_another_conference_is_refused()
    {
        var kit = await VenueKit.CreateAsync(api);
        var other = await VenueKit.CreateAsync(api);
        var delegation = await other.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var code = await other.CodeAsync(delegation.Id, delegation.MemberId(0));

        var problem = await (await kit.CheckInRawAsync(code)).ProblemAsync(422, "badge_other_conference");
        Assert.Equal(other.Slug, problem.GetProperty("badgeConference").GetString());
        Assert.NotEqual((await kit.KeyAsync()).GetProperty("kid").GetString(), (await other.KeyAsync()).GetProperty("kid").GetString());
        Assert.False(VenueKit.VerifyWithJwk(await kit.KeyAsync(), code));
        Assert.Equal("CheckedIn", (await other.CheckInAsync(code)).GetProperty("result").GetString());
    }

    [Fact]
    public async Task The_key_of_a_conference_that_does_not_exist_is_not_found()
    {
        await (await api.Anonymous().GetAsync($"/api/conferences/{ApiFixture.NewSlug()}/check-in/key")).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Two_first_badges_at_once_get_the_same_serial_and_key()
    {
        var kit = await VenueKit.CreateAsync(api);
        var delegation = await kit.AccreditedAsync(DelegationKit.State("BE", advisers: 0));
        var badges = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => kit.BadgeAsync(delegation.Id, delegation.MemberId(0))));
        Assert.All(badges, b => Assert.Equal(1, b.GetProperty("serial").GetInt32()));
        Assert.Single(badges.Select(b => b.GetProperty("keyId").GetString()).Distinct());
        var jwk = await kit.KeyAsync();
        Assert.All(badges, b => Assert.True(VenueKit.VerifyWithJwk(jwk, b.GetProperty("code").GetString()!)));
    }
}
