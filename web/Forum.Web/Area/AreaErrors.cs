using System.Globalization;
using Forum.Web.Api;
using Forum.Web.Localisation;
using Forum.Web.Registration;

namespace Forum.Web.Area;

/// <summary>
/// The API's refusals of the area's forms in the page's language, as the registration form words them: a field the
/// API names becomes its input's id, and a refusal of the whole change lands on the field that can fix it.
/// </summary>
public static class AreaErrors
{
    public static IReadOnlyList<FieldError> Member(Problem problem, int quota, Lang lang)
    {
        string T(string key) => Text.Get(key, lang);
        if (problem.Errors is { Count: > 0 } errors)
        {
            var order = new[] { "name", "function", "rank", "email", "isHead" };
            return errors.Keys.OrderBy(k => Array.IndexOf(order, k) is var i && i < 0 ? 99 : i).Select(field => field switch
            {
                "name" => new FieldError("name", T("AreaErrorName")),
                "function" => new FieldError("function", T("AreaErrorFunction")),
                "rank" => new FieldError("rank", T("AreaErrorRank")),
                "email" => new FieldError("email", T("AreaErrorEmail")),
                "isHead" => new FieldError("is-head", T("AreaErrorHead")),
                _ => new FieldError("", T("AreaErrorUnexpected")),
            }).DistinctBy(e => e.FieldId).ToList();
        }

        return [Whole(problem, quota, lang, "is-head")];
    }

    public static IReadOnlyList<FieldError> Seats(Problem problem, Lang lang)
    {
        string T(string key) => Text.Get(key, lang);
        if (problem.Errors is { Count: > 0 } errors)
        {
            return errors.Keys.Select(field => field switch
            {
                "sessionId" => new FieldError("session", T("AreaErrorSession")),
                "memberIds" => new FieldError("members", T("AreaErrorMembers")),
                "requestsFloor" => new FieldError("requests-floor", T("AreaErrorFloor")),
                _ => new FieldError("", T("AreaErrorUnexpected")),
            }).DistinctBy(e => e.FieldId).OrderBy(e => e.FieldId == "session" ? 0 : 1).ToList();
        }

        return problem.Code switch
        {
            "not_accredited" => [new FieldError("members", T("AreaErrorNotAccredited"))],
            "not_entitled_to_seat" => [new FieldError("members", T("AreaErrorNotEntitled"))],
            "session_cancelled" => [new FieldError("session", T("AreaErrorSessionCancelled"))],
            _ when problem.Status == 404 => [new FieldError("session", T("AreaErrorSession"))],
            _ => [Whole(problem, 0, lang, "members")],
        };
    }

    /// <summary>Whether a member may sign for the party and, when not, why: the API's rule in the page's language.</summary>
    public static string SignerStanding(DelegationMember m, Lang lang) => Text.Get(
        m.EntitledToSign ? "AreaSignerEntitled"
        : m.Accreditation.Status != "Approved" ? "AreaSignerNotAccredited"
        : m.HasFullPowers && m.FullPowers is null ? "AreaSignerFullPowersPending"
        : m.HasFullPowers && m.FullPowers is { Confirmed: false } ? "AreaSignerFullPowersRefused"
        : m.IsHead ? "AreaSignerHeadNotMinisterial"
        : "AreaSignerNotEntitled",
        lang);

    /// <summary>A refused signature: on the choice of signatory (with why that member may not sign), the place, or the whole.</summary>
    public static IReadOnlyList<FieldError> Signature(Problem problem, DelegationMember? signer, Lang lang)
    {
        string T(string key) => Text.Get(key, lang);
        if (problem.Errors is { Count: > 0 } errors)
        {
            return errors.Keys.Select(field => field switch
            {
                "memberId" => new FieldError("signer", T("AreaErrorSigner")),
                "place" => new FieldError("place", T("AreaErrorPlace")),
                _ => new FieldError("", T("AreaErrorUnexpected")),
            }).DistinctBy(e => e.FieldId).OrderBy(e => e.FieldId == "signer" ? 0 : 1).ToList();
        }

        return problem.Code switch
        {
            "not_entitled_to_sign" when signer is not null =>
                [new FieldError("signer", T("AreaErrorNotEntitledToSign").Replace("{0}", signer.Name, StringComparison.Ordinal) + " " + SignerStanding(signer, lang))],
            "not_entitled_to_sign" or "member_erased" => [new FieldError("signer", T("AreaErrorSigner"))],
            "already_signed" => [new FieldError("", T("AreaErrorAlreadySigned"))],
            "not_open_for_signature" => [new FieldError("", T("AreaErrorNotOpenForSignature"))],
            "delegation_not_in_series" => [new FieldError("", T("AreaErrorNotInSeries"))],
            _ when problem.Status == 404 => [new FieldError("signer", T("AreaErrorSigner"))],
            _ => [Whole(problem, 0, lang, "signer")],
        };
    }

    /// <summary>A refusal of the whole change, on the field that can fix it when there is one.</summary>
    public static FieldError Whole(Problem problem, int quota, Lang lang, string headField)
    {
        string T(string key) => Text.Get(key, lang);
        return problem.Code switch
        {
            "quota_exceeded" => new FieldError("", T("AreaErrorQuota").Replace("{0}", (problem.DelegationQuota ?? quota).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)),
            "exactly_one_head" => new FieldError(headField, T("AreaErrorOneHead")),
            "registration_closed" => new FieldError("", T("AreaErrorRegistrationClosed")),
            "delegation_withdrawn" => new FieldError("", T("AreaErrorWithdrawn")),
            "member_not_active" => new FieldError("", T("AreaErrorMemberNotActive")),
            _ => new FieldError("", T("AreaErrorUnexpected")),
        };
    }
}
