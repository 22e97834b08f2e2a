using System.Security.Claims;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Forum.Api.Declarations;

public static class DeclarationEndpoints
{
    public static IEndpointRouteBuilder MapDeclarationEndpoints(this IEndpointRouteBuilder app)
    {
        var conference = app.MapGroup("/api/conferences/{slug}/declarations")
            .WithTag("Declarations", "Declarations from draft to adoption (text frozen, SHA-256 recorded), signature by the parties, the public register of signatories, " +
                "and the parties' yearly progress reports on the commitments.");
        conference.MapPost("", Draft).RequireAuthorization(Roles.Organiser).WithName("draftDeclaration").Refuses(400, "validation_failed")
            .WithSummary("Draft a declaration for the conference: title, preamble, numbered commitments (each optionally with an indicator and a yearly target)")
            .WithRequestExample(DraftExample);
        conference.MapGet("", List).WithName("listDeclarations").WithSummary("The conference's declarations (adopted ones; organisers also see drafts)");

        // The examples are the launch's declaration; a draft's own operations take the id of the draft the example makes.
        var declarations = app.MapGroup("/api/declarations/{id:guid}").WithTags("Declarations").WithParameterExample("id", "{{demo-declaration}}");
        declarations.MapGet("", Get).WithName("getDeclaration").WithSummary("The declaration (a draft with ?version=N): text, version, text hash, state; drafts only for organisers");
        declarations.MapGet("/text", Text).WithName("getDeclarationText")
            .WithSummary("The canonical text (UTF-8, NFC, LF line ends) whose SHA-256 is the text hash: curl -s .../text | sha256sum");
        declarations.MapGet("/signatories", Signatories).WithName("getSignatories").Refuses(400, "validation_failed").WithSummary("The public register of signatories, grouped by kind of party, with totals; ?format=csv");
        declarations.MapGet("/progress", Progress).WithName("getProgress").Refuses(422, "year_out_of_range")
            .WithSummary("The yearly progress aggregate per commitment (?year=Y), or every year since adoption side by side; organisers also see who has and has not reported");

        var organiser = declarations.MapGroup("").RequireAuthorization(Roles.Organiser);
        organiser.MapPut("", async (Guid id, DraftDeclarationRequest request, HttpContext http, DeclarationService service, CancellationToken ct) =>
            Answer(http, await service.RedraftAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithName("redraftDeclaration").TakesIfMatch("the declaration").Refuses(400, "validation_failed").Refuses(409, "declaration_adopted")
            .WithSummary("A new draft version (before adoption; If-Match the declaration's ETag)")
            .WithParameterExample("id", "").WithRequestExample(RedraftExample);
        organiser.MapGet("/changes", async (Guid id, int? from, int? to, DeclarationService service, CancellationToken ct) =>
            TypedResults.Ok(await service.ChangesAsync(id, from, to, ct)))
            .WithName("getDeclarationChanges").Refuses(400, "validation_failed")
            .WithSummary("What changed between two drafts (?from=N&to=M): title, preamble, commitments added, removed or changed, the reporting deadline")
            .WithParameterExample("id", "").WithParameterExample("from", "1").WithParameterExample("to", "2");
        organiser.MapPost("/adopt", async (Guid id, HttpContext http, DeclarationService service, CancellationToken ct) =>
            Answer(http, await service.AdoptAsync(id, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithName("adoptDeclaration").TakesIfMatch("the declaration").Refuses(409, "declaration_adopted", "conference_not_published")
            .WithSummary("Adopt the latest draft: the text is frozen and its SHA-256 recorded")
            .WithParameterExample("id", "");
        organiser.MapPost("/open-for-signature", async (Guid id, OpenForSignatureRequest? request, HttpContext http, DeclarationService service, CancellationToken ct) =>
            Answer(http, await service.OpenForSignatureAsync(id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct)))
            .WithName("openForSignature").TakesIfMatch("the declaration")
            .Refuses(409, "not_adopted", "already_open_for_signature").Refuses(422, "unknown_session", "not_a_signing_ceremony")
            .WithSummary("Open the adopted text for signature, now or at a signing ceremony of the conference (sessionId): signatures before its start are refused")
            .WithParameterExample("id", "").WithRequestExample("""{"sessionId": "{{demo-signing-ceremony}}"}""");

        var parties = declarations.MapGroup("").RequireAuthorization(Roles.OrganiserOrFocalPoint);
        parties.MapPost("/signatures", async (Guid id, SignRequest request, HttpContext http, DeclarationService service, CancellationToken ct) =>
            Answer(http, await service.SignAsync(id, request, OwnDelegation(http.User), http.User.Actor(), ct)))
            .WithName("signDeclaration").Refuses(400, "validation_failed").Refuses(409, "not_open_for_signature", "already_signed")
            .Refuses(422, "not_entitled_to_sign", "member_erased", "delegation_not_in_series")
            .WithSummary("Sign for a delegation (organiser at the ceremony, or the delegation's own focal point): by the head of ministerial rank or a member with confirmed full powers")
            .WithRequestExample("""{"delegationId": "{{demo-delegation}}", "memberId": "{{demo-head}}", "place": "Brussels", "date": "2012-12-05"}""");
        parties.MapPost("/signatures/{delegationId:guid}/withdraw", async (Guid id, Guid delegationId, WithdrawSignatureRequest request, HttpContext http, DeclarationService service, CancellationToken ct) =>
            Answer(http, await service.WithdrawSignatureAsync(id, delegationId, request, OwnDelegation(http.User), http.User.Actor(), ct)))
            .WithName("withdrawSignature").Refuses(400, "validation_failed").Refuses(409, "not_signed")
            .WithSummary("Withdraw the party's signature, with a reason; the register keeps the signature and shows the withdrawal")
            .WithParameterExample("delegationId", "{{demo-delegation}}")
            .WithRequestExample("""{"reason": "Signed in error: the Commission hosted the launch", "date": "2012-12-06"}""");
        parties.MapPost("/reports", async (Guid id, ReportRequest request, HttpContext http, DeclarationService service, CancellationToken ct) =>
            TypedResults.Ok(await service.ReportAsync(id, request, OwnDelegation(http.User), http.User.Actor(), ct)))
            .WithName("reportProgress").Refuses(400, "validation_failed").Refuses(409, "not_adopted", "reporting_closed")
            .Refuses(422, "year_out_of_range", "not_a_signatory", "delegation_not_in_series")
            .WithSummary("The party's progress report for a year, on every commitment; revisable until that year's deadline")
            .WithParameterExample("id", "{{demo-company-declaration}}").WithRequestExample(ReportExample);
        parties.MapGet("/reports/{delegationId:guid}", async (Guid id, Guid delegationId, int year, HttpContext http, DeclarationService service, CancellationToken ct) =>
            TypedResults.Ok(await service.GetReportAsync(id, delegationId, year, OwnDelegation(http.User), ct)))
            .WithName("getProgressReport")
            .WithSummary("The party's report for a year (?year=Y), narratives included")
            .WithParameterExample("id", "{{demo-company-declaration}}").WithParameterExample("delegationId", "{{demo-company-delegation}}").WithParameterExample("year", "2020");
        return app;
    }

    private const string DraftExample = """
        {"title": "Brussels statement on hotlines", "preamble": "The participants of the launch agree to support the hotlines where the public reports abuse material.",
         "commitments": [
           {"text": "Support at least one hotline in each country.", "indicator": null, "yearlyTarget": null},
           {"text": "Answer every report a hotline forwards within two working days.",
            "indicator": {"name": "Reports answered within two working days", "unit": "percent"}, "yearlyTarget": 90}],
         "reportingDeadline": "03-31"}
        """;

    private const string RedraftExample = """
        {"title": "Brussels statement on hotlines", "preamble": "The participants of the launch agree to support the hotlines where the public reports abuse material, and to fund them.",
         "commitments": [
           {"text": "Support and fund at least one hotline in each country.", "indicator": null, "yearlyTarget": null},
           {"text": "Answer every report a hotline forwards within two working days.",
            "indicator": {"name": "Reports answered within two working days", "unit": "percent"}, "yearlyTarget": 95}],
         "reportingDeadline": "03-31"}
        """;

    // Project Protect's five commitments, for the current year (open until next year's deadline); the fifth has an indicator.
    private const string ReportExample = """
        {"delegationId": "{{demo-company-delegation}}", "year": "{{demo-report-year}}", "commitments": [
          {"number": 1, "status": "Achieved", "indicatorValue": null, "narrative": "Illustrative: detection tools shared with smaller members."},
          {"number": 2, "status": "Achieved", "indicatorValue": null, "narrative": "Illustrative: took part in the annual forum."},
          {"number": 3, "status": "InProgress", "indicatorValue": null, "narrative": "Illustrative: two research grants under way."},
          {"number": 4, "status": "InProgress", "indicatorValue": null, "narrative": "Illustrative: joined the industry's hash-sharing programme."},
          {"number": 5, "status": "Achieved", "indicatorValue": 100, "narrative": "Illustrative: published its annual progress report."}]}
        """;

    /// <summary>A focal point acts for its own delegation only; staff for any.</summary>
    private static Guid? OwnDelegation(ClaimsPrincipal user) =>
        user.FindFirstValue(FocalPointTokenHandler.DelegationClaim) is { } own ? Guid.Parse(own) : null;

    private static async Task<Created<DeclarationView>> Draft(string slug, DraftDeclarationRequest request, HttpContext http, DeclarationService service, CancellationToken ct)
    {
        var view = await service.DraftAsync(slug, request, http.User.Actor(), ct);
        ETags.Set(http, view.StreamVersion);
        return TypedResults.Created($"/api/declarations/{view.Id}", view);
    }

    private static async Task<Ok<IReadOnlyList<DeclarationEntry>>> List(string slug, ClaimsPrincipal user, ConferenceService conferences, DeclarationService service, CancellationToken ct)
    {
        var conference = await conferences.GetAsync(slug, ct);
        if (conference is null || !(conference.IsPublic || user.IsOrganiser()))
        {
            throw ProblemException.NotFound($"conference '{slug}'");
        }

        return TypedResults.Ok(await service.ListAsync(slug, user.IsOrganiser(), ct));
    }

    private static async Task<Ok<DeclarationView>> Get(Guid id, int? version, HttpContext http, DeclarationService service, CancellationToken ct)
    {
        var view = await service.GetAsync(id, version, http.User.IsOrganiser(), ct) ?? throw ProblemException.NotFound("such declaration");
        return Answer(http, view);
    }

    private static async Task<IResult> Text(Guid id, int? version, HttpContext http, DeclarationService service, CancellationToken ct)
    {
        var text = await service.TextAsync(id, version, http.User.IsOrganiser(), ct) ?? throw ProblemException.NotFound("such declaration");
        return TypedResults.Text(text, "text/plain; charset=utf-8");
    }

    private static async Task<IResult> Signatories(Guid id, string? format, HttpContext http, DeclarationService service, CancellationToken ct)
    {
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            new Validator().Require(false, "format", "The format is json (the default) or csv.").ThrowIfInvalid();
        }

        var register = await service.RegisterAsync(id, ct) ?? throw ProblemException.NotFound("register for such a declaration (it opens at adoption)");
        if (NotModified(http, $"\"r{register.Stamp}{(csv ? "-csv" : "")}\""))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return csv
            ? TypedResults.File((await service.RegisterCsvAsync(id, ct))!, "text/csv; charset=utf-8", $"signatories-{id}.csv")
            : TypedResults.Bytes(register.Body, "application/json; charset=utf-8");
    }

    private static async Task<IResult> Progress(Guid id, int? year, HttpContext http, DeclarationService service, CancellationToken ct)
    {
        var organiser = http.User.IsOrganiser();
        if (year is null)
        {
            http.Response.Headers.CacheControl = organiser ? "private, no-cache" : "public, no-cache";
            return TypedResults.Ok(await service.ProgressYearsAsync(id, organiser, ct) ?? throw ProblemException.NotFound("progress for such a declaration (it is followed from adoption)"));
        }

        var progress = await service.ProgressAsync(id, year.Value, organiser, ct) ?? throw ProblemException.NotFound("progress for such a declaration (it is followed from adoption)");
        if (NotModified(http, $"\"p{progress.Stamp}{(organiser ? "-o" : "")}\"", organiser))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(progress.Body, "application/json; charset=utf-8");
    }

    /// <summary>Sets the ETag; public answers may be cached but are checked again each time (a signature changes them).</summary>
    private static bool NotModified(HttpContext http, string etag, bool isPrivate = false)
    {
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = isPrivate ? "private, no-cache" : "public, no-cache";
        return http.Request.Headers.IfNoneMatch.Contains(etag);
    }

    private static Ok<DeclarationView> Answer(HttpContext http, DeclarationView view)
    {
        ETags.Set(http, view.StreamVersion);
        return TypedResults.Ok(view);
    }
}
