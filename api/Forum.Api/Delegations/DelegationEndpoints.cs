using System.Security.Claims;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Forum.Api.Delegations;

public static class DelegationEndpoints
{
    private static readonly DelegationAccess FocalPointOnly = new(FocalPoint: true);
    private static readonly DelegationAccess Everyone = new(true, Roles.Organiser, Roles.Protocol);

    public static IEndpointRouteBuilder MapDelegationEndpoints(this IEndpointRouteBuilder app)
    {
        var conference = app.MapGroup("/api/conferences/{slug}")
            .WithTag("Delegations", "Delegations of states and organisations: registration, members and their accreditation, places and the waiting list, seats in sessions, " +
                "the tour de table. A focal point reaches its own delegation with the access token given at registration; any other caller gets 404.");
        conference.MapPost("/delegations", Register).WithName("registerDelegation").TakesIdempotencyKey()
            .Refuses(400, "validation_failed").Refuses(409, "registration_closed", "party_already_registered").Refuses(422, "exactly_one_head", "quota_exceeded")
            .WithDescription("Public while the conference's registration is open. The answer (201) carries the delegation's access token, once: the focal point " +
                "uses it as a bearer token on the delegation's routes. Members beyond the conference's capacity wait for a place, in order.")
            .WithSummary("Register a delegation (public, while registration is open); Idempotency-Key makes retries safe; the answer carries the access token, once")
            .WithRequestExample("""
                {"party": {"kind": "NonGovernmentalOrganisation", "code": null, "name": "Child Helpline International"},
                 "focalPoint": {"name": "Anna Berg", "email": "anna.berg@example.org"},
                 "members": [{"name": "Anna Berg", "function": "Director", "rank": "HeadOfOrganisation", "email": "anna.berg@example.org", "isHead": true, "hasFullPowers": false},
                             {"name": "Tomás Ruiz", "function": "Policy adviser", "rank": "Official", "email": "tomas.ruiz@example.org", "isHead": false, "hasFullPowers": false}]}
                """);
        var staff = conference.MapGroup("").RequireAuthorization(Roles.Staff);
        staff.MapGet("/delegations", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.ListAsync(slug, ct)))
            .WithName("listDelegations").WithSummary("Every delegation with its members' accreditation, place and waiting position");
        staff.MapGet("/sessions/{id:guid}/speaking-order", async (string slug, Guid id, DelegationService delegations, CancellationToken ct) =>
            TypedResults.Ok(await delegations.SpeakingOrderAsync(slug, id, ct)))
            .WithName("getSpeakingOrder").WithSummary("The tour de table of a ministerial session: heads of ministerial rank first, then by rank, then in the order the delegations asked for the floor")
            .WithParameterExample("id", "{{demo-ministerial-session}}");
        conference.MapPut("/sessions/{id:guid}/speaking-order", async (string slug, Guid id, SpeakingOrderRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            TypedResults.Ok(await delegations.FixSpeakingOrderAsync(slug, id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .RequireAuthorization(Roles.Organiser).WithName("fixSpeakingOrder").TakesIfMatch("the session")
            .Refuses(400, "validation_failed").Refuses(409, "not_ministerial").Refuses(422, "not_entitled_to_speak", "speaking_order_incomplete")
            .WithSummary("Fix the tour de table by hand (If-Match: the session's ETag): every delegation holding a seat that asked for the floor, each once; later ones follow in the order they ask")
            .WithParameterExample("id", "{{demo-ministerial-session}}")
            .WithRequestExample("""{"delegationIds": "{{demo-speaking-order}}"}""");
        staff.MapGet("/waiting-list", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.WaitingListAsync(slug, ct)))
            .WithName("getWaitingList").WithSummary("Members waiting for a place, in order");
        staff.MapGet("/waiting-list/moved-up", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.MovedUpAsync(slug, ct)))
            .WithName("listMovedUp").WithSummary("Members who took a freed place from the waiting list, the latest first, with why the place freed");
        staff.MapGet("/accreditation-queue", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.AccreditationQueueAsync(slug, ct)))
            .WithName("getAccreditationQueue").WithSummary("Members awaiting protocol's decision on their accreditation, the longest waiting first, each with its delegation's version (for If-Match)");

        // A focal point holds a token, not an id (the access link carries only the token): this names its delegation.
        app.MapGet("/api/delegations/mine", async (HttpContext http, DelegationService delegations, CancellationToken ct) =>
        {
            var own = http.User.FindFirstValue(FocalPointTokenHandler.DelegationClaim);
            if (!Guid.TryParse(own, out var id))
            {
                throw ProblemException.NotFound("such delegation");
            }

            return Answer(http, await delegations.GetAsync(id, ct) ?? throw ProblemException.NotFound("such delegation"));
        }).WithTags("Delegations").WithName("getMyDelegation").Refuses(404, "not_found")
            .WithSummary("Focal point: the delegation its access token reaches, as GET /api/delegations/{id} answers it (ETag); anyone else gets 404");

        // The examples are the European Commission's delegation at the launch. Staff try them with their own tokens; a
        // focal point's operations need that delegation's access token, which the demo gives no one: the registration's
        // example makes a delegation of one's own, whose answer carries its token and ids.
        var delegation = app.MapGroup("/api/delegations/{id:guid}").WithTags("Delegations").AddEndpointFilter(DelegationAccess.Filter)
            .WithParameterExample("id", "{{demo-delegation}}").WithParameterExample("memberId", "{{demo-adviser}}");
        delegation.MapGet("", async (Guid id, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.GetAsync(id, ct) ?? throw ProblemException.NotFound("such delegation")))
            .WithMetadata(Everyone).WithName("getDelegation").WithSummary("The delegation, its members, their accreditation and places (ETag: its version)");
        delegation.MapGet("/history", async (Guid id, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.HistoryAsync(id, ct)))
            .WithMetadata(Everyone).WithName("getDelegationHistory").WithSummary("Every event of the delegation: type, time, actor, reason, data (erased personal data shown as erased)");
        delegation.MapPost("/members", async (Guid id, MemberRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
        {
            var view = await delegations.AddMemberAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct);
            ETags.Set(http, view.Version);
            return TypedResults.Created($"/api/delegations/{id}/members/{view.Members[^1].Id}", view);
        }).WithMetadata(FocalPointOnly).WithName("addMember").TakesIfMatch("the delegation")
            .Refuses(400, "validation_failed").Refuses(409, "registration_closed", "delegation_withdrawn").Refuses(422, "quota_exceeded", "exactly_one_head")
            .WithSummary("Add a member (quota and capacity apply; starts unaccredited)")
            .WithRequestExample("""
                {"name": "Adviser on hotlines (illustrative)", "function": "Policy officer", "rank": "Official", "email": "hotlines.adviser@example.org", "isHead": false, "hasFullPowers": false}
                """);
        delegation.MapPut("/members/{memberId:guid}", async (Guid id, Guid memberId, MemberRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ReplaceMemberAsync(id, memberId, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("replaceMember").TakesIfMatch("the delegation")
            .Refuses(400, "validation_failed").Refuses(409, "registration_closed", "delegation_withdrawn", "member_not_active").Refuses(422, "exactly_one_head")
            .WithSummary("Replace a member: the new one takes its place (or its place in line) and starts unaccredited")
            .WithRequestExample("""
                {"name": "Legal adviser (illustrative)", "function": "Legal adviser", "rank": "SeniorOfficial", "email": "legal.adviser@example.org", "isHead": false, "hasFullPowers": false}
                """);
        delegation.MapDelete("/members/{memberId:guid}", async (Guid id, Guid memberId, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.WithdrawMemberAsync(id, memberId, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("withdrawMember").TakesIfMatch("the delegation")
            .Refuses(409, "registration_closed", "delegation_withdrawn", "member_not_active").Refuses(422, "exactly_one_head")
            .WithSummary("Withdraw a member; its place goes to the first in line");
        delegation.MapPut("/focal-point", async (Guid id, ContactRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ChangeFocalPointAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("changeFocalPoint").TakesIfMatch("the delegation").Refuses(400, "validation_failed")
            .WithSummary("Change the focal point's name and e-mail")
            .WithRequestExample("""{"name": "New focal point (illustrative)", "email": "new.focal-point@example.org"}""");
        delegation.MapPost("/withdraw", async (Guid id, WithdrawDelegationRequest? request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.WithdrawAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("withdrawDelegation").TakesIfMatch("the delegation").Refuses(409, "delegation_withdrawn")
            .WithSummary("Withdraw the delegation (possible after registration closed); its places go to the first in line")
            .WithRequestExample("""{"reason": "The delegation cannot travel"}""");
        delegation.MapPost("/seats", async (Guid id, SeatsRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.RequestSeatsAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("requestSeats").TakesIfMatch("the delegation")
            .Refuses(400, "validation_failed").Refuses(409, "delegation_withdrawn", "member_not_active", "session_cancelled").Refuses(422, "not_accredited", "not_entitled_to_seat")
            .WithSummary("Ask for seats in a session for accredited members (a full session puts them in its line); in a ministerial session, optionally ask for the floor")
            .WithRequestExample("""{"sessionId": "{{demo-signing-ceremony}}", "memberIds": ["{{demo-head}}"], "requestsFloor": null}""");
        delegation.MapDelete("/seats/{sessionId:guid}/{memberId:guid}", async (Guid id, Guid sessionId, Guid memberId, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ReleaseSeatAsync(id, sessionId, memberId, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("releaseSeat").TakesIfMatch("the delegation").Refuses(409, "delegation_withdrawn")
            .WithSummary("Give a seat back; it goes to the first in the session's line")
            .WithParameterExample("sessionId", "{{demo-signing-ceremony}}").WithParameterExample("memberId", "{{demo-head}}");
        delegation.MapPost("/token/rotate", async (Guid id, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            TypedResults.Ok(await delegations.RotateTokenAsync(id, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithName("rotateAccessToken").TakesIfMatch("the delegation")
            .WithSummary("A new access token; the old one stops working at once");
        delegation.MapPost("/members/{memberId:guid}/accreditation", async (Guid id, Guid memberId, AccreditationRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.DecideAccreditationAsync(id, memberId, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(new DelegationAccess(false, Roles.Protocol)).WithName("decideAccreditation").TakesIfMatch("the delegation")
            .Refuses(400, "validation_failed").Refuses(409, "delegation_withdrawn", "member_not_active")
            .WithSummary("Accredit or reject a member (a rejection needs a reason); a later decision revises it")
            .WithRequestExample("""{"decision": "approve", "reason": null}""");
        delegation.MapPost("/members/{memberId:guid}/full-powers", async (Guid id, Guid memberId, FullPowersRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.DecideFullPowersAsync(id, memberId, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(new DelegationAccess(false, Roles.Protocol)).WithName("decideFullPowers").TakesIfMatch("the delegation")
            .Refuses(400, "validation_failed").Refuses(409, "delegation_withdrawn", "member_not_active").Refuses(422, "full_powers_not_declared")
            .WithSummary("Confirm (or refuse, with a reason) the full powers declared for a member: a member with confirmed full powers may sign declarations for the party")
            // Only declared full powers are decided: a company's authorised signatory at the coalition's 2020 forum.
            .WithParameterExample("id", "{{demo-company-delegation}}").WithParameterExample("memberId", "{{demo-company-signatory}}")
            .WithRequestExample("""{"confirmed": true, "reason": null}""");
        delegation.MapDelete("/members/{memberId:guid}/personal-data", async (Guid id, Guid memberId, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ErasePersonalDataAsync(id, memberId, http.User.IsInRole(Roles.FocalPoint), ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(new DelegationAccess(true, Roles.Protocol)).WithName("erasePersonalData").TakesIfMatch("the delegation").Refuses(409, "member_not_withdrawn")
            .WithSummary("Erase a member's name, function and e-mail everywhere (protocol; the focal point once the member is withdrawn)");
        return app;
    }

    private static async Task<Created<DelegationView>> Register(string slug, RegisterDelegationRequest request, HttpContext http, ClaimsPrincipal user, DelegationService delegations, CancellationToken ct)
    {
        var view = await delegations.RegisterAsync(slug, request, IdempotencyKeys.KeyOf(http.Request), user.Actor(), ct);
        ETags.Set(http, view.Version);
        return TypedResults.Created($"/api/delegations/{view.Id}", view);
    }

    private static Ok<DelegationView> Answer(HttpContext http, DelegationView view)
    {
        ETags.Set(http, view.Version);
        return TypedResults.Ok(view);
    }
}
