using System.Security.Claims;
using System.Text.Encodings.Web;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Forum.Api.Delegations;

/// <summary>
/// Authenticates a delegation's access token (a bearer token that is not a JWT) by its SHA-256: no cache, so a
/// rotated token stops working at once in every process.
/// </summary>
public sealed class FocalPointTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, EventStore.EventStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "FocalPoint";

    public const string DelegationClaim = "delegation";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        if (!DelegationService.IsTokenShaped(token))
        {
            return AuthenticateResult.NoResult();
        }

        var grant = await store.Documents.LoadAsync<AccessGrant>(DelegationProjection.ProjectionName, AccessGrant.DocumentId(DelegationService.HashToken(token)), Context.RequestAborted);
        if (grant is null)
        {
            // Unknown or rotated: the caller is nobody, and delegation routes answer 404 to nobody.
            return AuthenticateResult.NoResult();
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, grant.DelegationId.ToString()));
        identity.AddClaim(new Claim(ClaimTypes.Role, Roles.FocalPoint));
        identity.AddClaim(new Claim(DelegationClaim, grant.DelegationId.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>Who may call a delegation route: its own focal point, and which staff roles.</summary>
public sealed record DelegationAccess(bool FocalPoint, params string[] StaffRoles) : IProblemSource
{
    /// <summary>What <see cref="Filter"/> answers, for the OpenAPI document: 404 always, 403 when someone who sees the delegation may not call the route.</summary>
    public IEnumerable<ProblemResponse> Problems =>
        FocalPoint && StaffRoles.Contains(Roles.Organiser) && StaffRoles.Contains(Roles.Protocol)
            ? [new ProblemResponse(StatusCodes.Status404NotFound, "not_found")]
            : [new ProblemResponse(StatusCodes.Status403Forbidden, "forbidden"), new ProblemResponse(StatusCodes.Status404NotFound, "not_found")];

    /// <summary>
    /// Another delegation's token, an unknown one or none answer 404, exactly as for an id that does not exist;
    /// a caller who can see the delegation but lacks the role for this route gets 403.
    /// </summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var access = http.GetEndpoint()?.Metadata.GetMetadata<DelegationAccess>()
            ?? throw new InvalidOperationException("A delegation route names who may call it.");
        var id = http.GetRouteValue("id")?.ToString();
        var own = http.User.FindFirstValue(FocalPointTokenHandler.DelegationClaim);
        var staff = http.User.IsInRole(Roles.Organiser) || http.User.IsInRole(Roles.Protocol);
        if (own is not null ? !string.Equals(own, id, StringComparison.OrdinalIgnoreCase) : !staff)
        {
            throw ProblemException.NotFound("such delegation");
        }

        var allowed = own is not null ? access.FocalPoint : access.StaffRoles.Any(http.User.IsInRole);
        if (!allowed)
        {
            throw new ProblemException(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", "Your token does not allow this action on the delegation.");
        }

        return await next(context);
    }
}
