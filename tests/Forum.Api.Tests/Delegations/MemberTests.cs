using System.Text.Json;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class MemberTests(ApiFixture api)
{
    private static string MembersUrl(Registered d, Guid? memberId = null) =>
        DelegationKit.DelegationUrl(d.Id, memberId is { } m ? $"/members/{m}" : "/members");

    [Fact]
    public async Task A_focal_point_adds_a_member_who_starts_unaccredited()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));

        var response = await kit.FocalPointClient(delegation).PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 4, rank: "Expert"), delegation.ETag);
        var view = await response.OkJsonAsync(201);
        var etag = response.Headers.ETag?.Tag;
        Assert.NotNull(etag);
        Assert.True(DelegationKit.Version(etag!) > DelegationKit.Version(delegation.ETag), $"{etag} after {delegation.ETag}");
        Assert.Equal(view.GetProperty("version").GetInt64(), DelegationKit.Version(etag!));

        var members = view.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(4, members.Count);
        var added = members[3];
        Assert.Equal("Member 4 of BE", added.GetProperty("name").GetString());
        Assert.Equal("member4.be@example.org", added.GetProperty("email").GetString());
        Assert.Equal("Expert", added.GetProperty("rank").GetString());
        Assert.False(added.GetProperty("isHead").GetBoolean());
        Assert.Equal("Active", DelegationKit.StatusOf(added));
        Assert.Equal("Pending", DelegationKit.AccreditationOf(added));
        Assert.Equal("Admitted", DelegationKit.PlaceOf(added));

        var (seen, seenETag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(etag, seenETag);
        Assert.Equal(4, seen.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Adding_a_member_beyond_the_quota_is_refused()
    {
        var kit = await DelegationKit.CreateAsync(api, delegationQuota: 3);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 2));
        await (await kit.FocalPointClient(delegation).PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 4))).ProblemAsync(422, "quota_exceeded");

        var (seen, etag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(delegation.ETag, etag);
        Assert.Equal(3, seen.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task A_second_head_cannot_be_added()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 1));
        await (await kit.FocalPointClient(delegation).PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 3, isHead: true))).ProblemAsync(422, "exactly_one_head");
        Assert.Equal(delegation.ETag, (await kit.StaffViewAsync(delegation.Id)).ETag);
    }

    [Fact]
    public async Task An_invalid_member_is_refused_as_a_validation_problem()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 1));
        var body = new { name = " ", function = "Adviser", rank = "Expert", email = "not an e-mail", isHead = false };
        var problem = await (await kit.FocalPointClient(delegation).PostJsonAsync(MembersUrl(delegation), body)).ProblemAsync(400, "validation_failed");
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(fields, f => f.EndsWith("name", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.EndsWith("email", StringComparison.Ordinal));
        Assert.Equal(delegation.ETag, (await kit.StaffViewAsync(delegation.Id)).ETag);
    }

    [Fact]
    public async Task Replacing_a_member_keeps_the_old_one_as_replaced_and_the_new_one_starts_unaccredited_in_its_place()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var old = delegation.MemberId(1);
        await (await kit.Protocol.PostJsonAsync(MembersUrl(delegation, old) + "/accreditation", new { decision = "approve" })).OkJsonAsync();

        var response = await DelegationKit.SendJsonAsync(kit.FocalPointClient(delegation), HttpMethod.Put, MembersUrl(delegation, old), DelegationKit.Member("BE", 7, rank: "Ambassador"));
        var view = await response.OkJsonAsync();
        var members = view.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(4, members.Count);

        var replaced = DelegationKit.MemberOf(view, old);
        var replacement = members.Single(m => m.GetProperty("name").GetString() == "Member 7 of BE");
        var newId = replacement.GetProperty("id").GetGuid();
        Assert.NotEqual(old, newId);
        Assert.Equal("Replaced", DelegationKit.StatusOf(replaced));
        Assert.Equal(newId, replaced.GetProperty("replacedBy").GetGuid());
        Assert.Equal("None", DelegationKit.PlaceOf(replaced));
        Assert.Equal("Member 2 of BE", replaced.GetProperty("name").GetString());

        Assert.Equal("Active", DelegationKit.StatusOf(replacement));
        Assert.Equal(old, replacement.GetProperty("replaces").GetGuid());
        Assert.Equal("Pending", DelegationKit.AccreditationOf(replacement));
        Assert.Equal("Admitted", DelegationKit.PlaceOf(replacement));
        Assert.Equal("Ambassador", replacement.GetProperty("rank").GetString());
        Assert.False(replacement.GetProperty("isMinisterialRank").GetBoolean());

        var waiting = await kit.WaitingListAsync();
        Assert.Equal(3, waiting.GetProperty("admitted").GetInt32());
        Assert.Equal(response.Headers.ETag?.Tag, (await kit.StaffViewAsync(delegation.Id)).ETag);
    }

    [Fact]
    public async Task A_replacement_takes_the_admitted_place_or_the_waiting_position_of_the_member_it_replaces()
    {
        var kit = await DelegationKit.CreateAsync(api, capacity: 3);
        var admitted = await kit.RegisterAsync(DelegationKit.State("BE"));
        var waiting = await kit.RegisterAsync(DelegationKit.State("NL", advisers: 2));
        Assert.Equal(new int?[] { 1, 2, 3 }, waiting.Body.GetProperty("members").EnumerateArray().Select(DelegationKit.WaitingPositionOf));

        // An admitted member's replacement is admitted; nobody waiting moves up or down.
        var view = await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(admitted), HttpMethod.Put, MembersUrl(admitted, admitted.MemberId(2)), DelegationKit.Member("BE", 5))).OkJsonAsync();
        Assert.Equal("Admitted", DelegationKit.PlaceOf(view.GetProperty("members")[3]));
        var list = await kit.WaitingListAsync();
        Assert.Equal(3, list.GetProperty("admitted").GetInt32());
        Assert.Equal(Enumerable.Range(0, 3).Select(waiting.MemberId), list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("memberId").GetGuid()));

        // A waiting member's replacement waits at the same position.
        var replaced = await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(waiting), HttpMethod.Put, MembersUrl(waiting, waiting.MemberId(1)), DelegationKit.Member("NL", 5))).OkJsonAsync();
        var replacement = replaced.GetProperty("members")[3];
        Assert.Equal("Waiting", DelegationKit.PlaceOf(replacement));
        Assert.Equal(2, DelegationKit.WaitingPositionOf(replacement));
        list = await kit.WaitingListAsync();
        Assert.Equal(
            new[] { waiting.MemberId(0), replacement.GetProperty("id").GetGuid(), waiting.MemberId(2) },
            list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("memberId").GetGuid()));
        Assert.Equal(new[] { 1, 2, 3 }, list.GetProperty("waiting").EnumerateArray().Select(w => w.GetProperty("position").GetInt32()));
    }

    [Fact]
    public async Task A_member_can_be_replaced_when_the_delegation_is_at_its_quota()
    {
        var kit = await DelegationKit.CreateAsync(api, delegationQuota: 3);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 2));
        var view = await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(delegation), HttpMethod.Put, MembersUrl(delegation, delegation.MemberId(2)), DelegationKit.Member("BE", 4))).OkJsonAsync();
        Assert.Equal(3, view.GetProperty("members").EnumerateArray().Count(m => DelegationKit.StatusOf(m) == "Active"));
    }

    [Fact]
    public async Task A_withdrawn_member_leaves_its_place()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var response = await DelegationKit.SendJsonAsync(kit.FocalPointClient(delegation), HttpMethod.Delete, MembersUrl(delegation, delegation.MemberId(2)), ifMatch: delegation.ETag);
        var view = await response.OkJsonAsync();
        var member = DelegationKit.MemberOf(view, delegation.MemberId(2));
        Assert.Equal("Withdrawn", DelegationKit.StatusOf(member));
        Assert.Equal("None", DelegationKit.PlaceOf(member));
        Assert.Null(DelegationKit.WaitingPositionOf(member));
        Assert.True(DelegationKit.Version(response.Headers.ETag!.Tag) > DelegationKit.Version(delegation.ETag));
        Assert.Equal(2, (await kit.WaitingListAsync()).GetProperty("admitted").GetInt32());

        // Members stay listed in the order they were added.
        Assert.Equal(Enumerable.Range(0, 3).Select(delegation.MemberId), view.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task The_head_cannot_be_withdrawn_alone()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        await (await DelegationKit.SendJsonAsync(kit.FocalPointClient(delegation), HttpMethod.Delete, MembersUrl(delegation, delegation.MemberId(0)))).ProblemAsync(422, "exactly_one_head");
        var (view, etag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(delegation.ETag, etag);
        Assert.Equal("Active", DelegationKit.StatusOf(view.GetProperty("members")[0]));
    }

    [Fact]
    public async Task An_unknown_member_is_not_found()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);
        var unknown = Guid.NewGuid();
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, MembersUrl(delegation, unknown), DelegationKit.Member("BE", 5))).ProblemAsync(404, "not_found");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, MembersUrl(delegation, unknown))).ProblemAsync(404, "not_found");
        await (await kit.Protocol.PostJsonAsync(MembersUrl(delegation, unknown) + "/accreditation", new { decision = "approve" })).ProblemAsync(404, "not_found");
        Assert.Equal(delegation.ETag, (await kit.StaffViewAsync(delegation.Id)).ETag);
    }

    [Fact]
    public async Task A_stale_if_match_is_refused_on_every_write_and_nothing_changes()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);
        var stale = delegation.ETag;
        var added = await focalPoint.PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 4), stale);
        await added.OkJsonAsync(201);
        var current = added.Headers.ETag!.Tag;
        var (before, _) = await kit.StaffViewAsync(delegation.Id);

        await (await focalPoint.PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 5), stale)).ProblemAsync(412, "precondition_failed");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, MembersUrl(delegation, delegation.MemberId(1)), DelegationKit.Member("BE", 6), stale)).ProblemAsync(412, "precondition_failed");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, MembersUrl(delegation, delegation.MemberId(1)), ifMatch: stale)).ProblemAsync(412, "precondition_failed");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, DelegationKit.DelegationUrl(delegation.Id, "/focal-point"), new { name = "New focal point", email = "new.focal@example.org" }, stale)).ProblemAsync(412, "precondition_failed");
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/withdraw"), new { reason = "Stale" }, stale)).ProblemAsync(412, "precondition_failed");
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null, stale)).ProblemAsync(412, "precondition_failed");
        await (await DelegationKit.SendJsonAsync(kit.Protocol, HttpMethod.Delete, MembersUrl(delegation, delegation.MemberId(1)) + "/personal-data", ifMatch: stale)).ProblemAsync(412, "precondition_failed");

        var (after, etag) = await kit.StaffViewAsync(delegation.Id);
        Assert.Equal(current, etag);
        Assert.True(JsonElement.DeepEquals(before, after), $"Changed:\n{before}\n{after}");

        // The current ETag is accepted.
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, MembersUrl(delegation, delegation.MemberId(1)), ifMatch: current)).OkJsonAsync();
    }

    [Fact]
    public async Task The_focal_point_changes_its_own_contact()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);
        var response = await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, DelegationKit.DelegationUrl(delegation.Id, "/focal-point"), new { name = "Second focal point of BE", email = "second.focal.be@example.org" }, delegation.ETag);
        var view = await response.OkJsonAsync();
        Assert.Equal("Second focal point of BE", view.GetProperty("focalPoint").GetProperty("name").GetString());
        Assert.True(DelegationKit.Version(response.Headers.ETag!.Tag) > DelegationKit.Version(delegation.ETag));

        var seen = await (await focalPoint.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();
        Assert.Equal("Second focal point of BE", seen.GetProperty("focalPoint").GetProperty("name").GetString());
        Assert.Equal("second.focal.be@example.org", seen.GetProperty("focalPoint").GetProperty("email").GetString());
        var listed = Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
        Assert.Equal("second.focal.be@example.org", listed.GetProperty("focalPoint").GetProperty("email").GetString());

        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, DelegationKit.DelegationUrl(delegation.Id, "/focal-point"), new { name = "Third", email = "third-at-example.org" })).ProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task After_registration_closes_members_and_contact_are_frozen_but_the_delegation_may_withdraw()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);
        await kit.CloseRegistrationAsync();

        await (await focalPoint.PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 4))).ProblemAsync(409, "registration_closed");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, MembersUrl(delegation, delegation.MemberId(1)), DelegationKit.Member("BE", 5))).ProblemAsync(409, "registration_closed");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Delete, MembersUrl(delegation, delegation.MemberId(1)))).ProblemAsync(409, "registration_closed");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, DelegationKit.DelegationUrl(delegation.Id, "/focal-point"), new { name = "Late focal point", email = "late@example.org" })).ProblemAsync(409, "registration_closed");
        Assert.Equal(delegation.ETag, (await kit.StaffViewAsync(delegation.Id)).ETag);

        var withdrawn = await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/withdraw"), new { reason = "The minister cannot travel" }, delegation.ETag)).OkJsonAsync();
        Assert.Equal("Withdrawn", withdrawn.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_withdrawn_delegation_frees_every_place_and_refuses_further_changes()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE"));
        var focalPoint = kit.FocalPointClient(delegation);
        var response = await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/withdraw"), new { reason = "The minister cannot travel" });
        var view = await response.OkJsonAsync();
        Assert.Equal("Withdrawn", view.GetProperty("status").GetString());
        Assert.All(view.GetProperty("members").EnumerateArray(), m =>
        {
            Assert.Equal("Withdrawn", DelegationKit.StatusOf(m));
            Assert.Equal("None", DelegationKit.PlaceOf(m));
        });
        Assert.Equal(0, (await kit.WaitingListAsync()).GetProperty("admitted").GetInt32());

        await (await focalPoint.PostJsonAsync(MembersUrl(delegation), DelegationKit.Member("BE", 4))).ProblemAsync(409, "delegation_withdrawn");
        await (await DelegationKit.SendJsonAsync(focalPoint, HttpMethod.Put, DelegationKit.DelegationUrl(delegation.Id, "/focal-point"), new { name = "Late focal point", email = "late@example.org" })).ProblemAsync(409, "delegation_withdrawn");
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/withdraw"), new { reason = "Again" })).ProblemAsync(409, "delegation_withdrawn");
        Assert.Equal(response.Headers.ETag?.Tag, (await kit.StaffViewAsync(delegation.Id)).ETag);
    }
}
