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
        var conference = app.MapGroup("/api/conferences/{slug}").WithTags("Delegations");
        conference.MapPost("/delegations", Register)
            .WithSummary("Register a delegation (public, while registration is open); Idempotency-Key makes retries safe; the answer carries the access token, once")
            .WithRequestExample("""
                {"party": {"kind": "NonGovernmentalOrganisation", "code": null, "name": "Child Helpline International"},
                 "focalPoint": {"name": "Anna Berg", "email": "anna.berg@example.org"},
                 "members": [{"name": "Anna Berg", "function": "Director", "rank": "HeadOfOrganisation", "email": "anna.berg@example.org", "isHead": true, "hasFullPowers": false},
                             {"name": "Tomás Ruiz", "function": "Policy adviser", "rank": "Official", "email": "tomas.ruiz@example.org", "isHead": false, "hasFullPowers": false}]}
                """);
        var staff = conference.MapGroup("").RequireAuthorization(Roles.Staff);
        staff.MapGet("/delegations", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.ListAsync(slug, ct)))
            .WithSummary("Every delegation with its members' accreditation, place and waiting position");
        staff.MapGet("/sessions/{id:guid}/speaking-order", async (string slug, Guid id, DelegationService delegations, CancellationToken ct) =>
            TypedResults.Ok(await delegations.SpeakingOrderAsync(slug, id, ct)))
            .WithSummary("The tour de table of a ministerial session: heads of ministerial rank first, then by rank, then in the order the delegations asked for the floor")
            .WithParameterExample("id", "{{demo-ministerial-session}}");
        conference.MapPut("/sessions/{id:guid}/speaking-order", async (string slug, Guid id, SpeakingOrderRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            TypedResults.Ok(await delegations.FixSpeakingOrderAsync(slug, id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .RequireAuthorization(Roles.Organiser)
            .WithSummary("Fix the tour de table by hand (If-Match: the session's ETag): every delegation holding a seat that asked for the floor, each once; later ones follow in the order they ask")
            .WithParameterExample("id", "{{demo-ministerial-session}}")
            .WithRequestExample("""{"delegationIds": "{{demo-speaking-order}}"}""");
        staff.MapGet("/waiting-list", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.WaitingListAsync(slug, ct)))
            .WithSummary("Members waiting for a place, in order");
        staff.MapGet("/waiting-list/moved-up", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.MovedUpAsync(slug, ct)))
            .WithSummary("Members who took a freed place from the waiting list, the latest first, with why the place freed");
        staff.MapGet("/accreditation-queue", async (string slug, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.AccreditationQueueAsync(slug, ct)))
            .WithSummary("Members awaiting protocol's decision on their accreditation, the longest waiting first, each with its delegation's version (for If-Match)");

        // A focal point holds a token, not an id (the access link carries only the token): this names its delegation.
        app.MapGet("/api/delegations/mine", async (HttpContext http, DelegationService delegations, CancellationToken ct) =>
        {
            var own = http.User.FindFirstValue(FocalPointTokenHandler.DelegationClaim);
            if (!Guid.TryParse(own, out var id))
            {
                throw ProblemException.NotFound("such delegation");
            }

            return Answer(http, await delegations.GetAsync(id, ct) ?? throw ProblemException.NotFound("such delegation"));
        }).WithTags("Delegations")
            .WithSummary("Focal point: the delegation its access token reaches, as GET /api/delegations/{id} answers it (ETag); anyone else gets 404");

        // The examples are the European Commission's delegation at the launch. Staff try them with their own tokens; a
        // focal point's operations need that delegation's access token, which the demo gives no one: the registration's
        // example makes a delegation of one's own, whose answer carries its token and ids.
        var delegation = app.MapGroup("/api/delegations/{id:guid}").WithTags("Delegations").AddEndpointFilter(DelegationAccess.Filter)
            .WithParameterExample("id", "{{demo-delegation}}").WithParameterExample("memberId", "{{demo-adviser}}");
        delegation.MapGet("", async (Guid id, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.GetAsync(id, ct) ?? throw ProblemException.NotFound("such delegation")))
            .WithMetadata(Everyone).WithSummary("The delegation, its members, their accreditation and places (ETag: its version)");
        delegation.MapGet("/history", async (Guid id, DelegationService delegations, CancellationToken ct) => TypedResults.Ok(await delegations.HistoryAsync(id, ct)))
            .WithMetadata(Everyone).WithSummary("Every event of the delegation: type, time, actor, reason, data (erased personal data shown as erased)");
        delegation.MapPost("/members", async (Guid id, MemberRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
        {
            var view = await delegations.AddMemberAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct);
            ETags.Set(http, view.Version);
            return TypedResults.Created($"/api/delegations/{id}/members/{view.Members[^1].Id}", view);
        }).WithMetadata(FocalPointOnly).WithSummary("Add a member (quota and capacity apply; starts unaccredited)")
            .WithRequestExample("""
                {"name": "Adviser on hotlines (illustrative)", "function": "Policy officer", "rank": "Official", "email": "hotlines.adviser@example.org", "isHead": false, "hasFullPowers": false}
                """);
        delegation.MapPut("/members/{memberId:guid}", async (Guid id, Guid memberId, MemberRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ReplaceMemberAsync(id, memberId, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("Replace a member: the new one takes its place (or its place in line) and starts unaccredited")
            .WithRequestExample("""
                {"name": "Legal adviser (illustrative)", "function": "Legal adviser", "rank": "SeniorOfficial", "email": "legal.adviser@example.org", "isHead": false, "hasFullPowers": false}
                """);
        delegation.MapDelete("/members/{memberId:guid}", async (Guid id, Guid memberId, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.WithdrawMemberAsync(id, memberId, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("Withdraw a member; its place goes to the first in line");
        delegation.MapPut("/focal-point", async (Guid id, ContactRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ChangeFocalPointAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("Change the focal point's name and e-mail")
            .WithRequestExample("""{"name": "New focal point (illustrative)", "email": "new.focal-point@example.org"}""");
        delegation.MapPost("/withdraw", async (Guid id, WithdrawDelegationRequest? request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.WithdrawAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("Withdraw the delegation (possible after registration closed); its places go to the first in line")
            .WithRequestExample("""{"reason": "The delegation cannot travel"}""");
        delegation.MapPost("/seats", async (Guid id, SeatsRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.RequestSeatsAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("Ask for seats in a session for accredited members (a full session puts them in its line); in a ministerial session, optionally ask for the floor")
            .WithRequestExample("""{"sessionId": "{{demo-signing-ceremony}}", "memberIds": ["{{demo-head}}"], "requestsFloor": null}""");
        delegation.MapDelete("/seats/{sessionId:guid}/{memberId:guid}", async (Guid id, Guid sessionId, Guid memberId, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ReleaseSeatAsync(id, sessionId, memberId, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("Give a seat back; it goes to the first in the session's line")
            .WithParameterExample("sessionId", "{{demo-signing-ceremony}}").WithParameterExample("memberId", "{{demo-head}}");
        delegation.MapPost("/token/rotate", async (Guid id, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            TypedResults.Ok(await delegations.RotateTokenAsync(id, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(FocalPointOnly).WithSummary("A new access token; the old one stops working at once");
        delegation.MapPost("/members/{memberId:guid}/accreditation", async (Guid id, Guid memberId, AccreditationRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.DecideAccreditationAsync(id, memberId, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(new DelegationAccess(false, Roles.Protocol)).WithSummary("Accredit or reject a member (a rejection needs a reason); a later decision revises it")
            .WithRequestExample("""{"decision": "approve", "reason": null}""");
        delegation.MapPost("/members/{memberId:guid}/full-powers", async (Guid id, Guid memberId, FullPowersRequest request, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.DecideFullPowersAsync(id, memberId, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(new DelegationAccess(false, Roles.Protocol)).WithSummary("Confirm (or refuse, with a reason) the full powers declared for a member: a member with confirmed full powers may sign declarations for the party")
            // Only declared full powers are decided: a company's authorised signatory at the coalition's 2020 forum.
            .WithParameterExample("id", "{{demo-company-delegation}}").WithParameterExample("memberId", "{{demo-company-signatory}}")
            .WithRequestExample("""{"confirmed": true, "reason": null}""");
        delegation.MapDelete("/members/{memberId:guid}/personal-data", async (Guid id, Guid memberId, HttpContext http, DelegationService delegations, CancellationToken ct) =>
            Answer(http, await delegations.ErasePersonalDataAsync(id, memberId, http.User.IsInRole(Roles.FocalPoint), ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithMetadata(new DelegationAccess(true, Roles.Protocol)).WithSummary("Erase a member's name, function and e-mail everywhere (protocol; the focal point once the member is withdrawn)");
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
