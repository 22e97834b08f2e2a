using System.Globalization;
using System.Text.RegularExpressions;
using Forum.Web.Api;
using Forum.Web.Localisation;

namespace Forum.Web.Registration;

/// <summary>
/// Turns the API's problem into the page's errors, in the page's language: each field the API names (party.code,
/// members[1].email) becomes the id of its input and a message of our own; refusals of the whole request (one head,
/// the quota, a party already registered) are placed on the field that can fix them.
/// </summary>
public static partial class FormErrors
{
    public static IReadOnlyList<FieldError> From(Problem problem, RegistrationForm form, Lang lang)
    {
        string T(string key) => Text.Get(key, lang);
        string Row(string key, int row) => T(key).Replace("{0}", (row + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        if (problem.Errors is { Count: > 0 } errors)
        {
            var list = new List<FieldError>();
            foreach (var field in errors.Keys)
            {
                var error = field switch
                {
                    "party" or "party.kind" => new FieldError("party-kind", T("ErrorPartyKind")),
                    "party.code" => new FieldError("state-code", T("ErrorState")),
                    "party.name" => new FieldError("organisation-name", T("ErrorOrganisationName")),
                    "focalPoint" or "focalPoint.name" => new FieldError("focal-point-name", T("ErrorFocalPointName")),
                    "focalPoint.email" => new FieldError("focal-point-email", T("ErrorFocalPointEmail")),
                    "members" => new FieldError("member-0-name", T("ErrorMembers")),
                    _ => MemberError(field, Row, form),
                };
                if (!list.Exists(e => e.FieldId == error.FieldId))
                {
                    list.Add(error);
                }
            }

            return [.. list.OrderBy(e => Order(e.FieldId))];
        }

        return problem.Code switch
        {
            "exactly_one_head" => [new FieldError("head-0", T("ErrorHead"))],
            "quota_exceeded" => [new FieldError("member-0-name", T("ErrorQuota").Replace("{0}", problem.DelegationQuota?.ToString(CultureInfo.InvariantCulture) ?? "?", StringComparison.Ordinal))],
            "party_already_registered" => [new FieldError(form.PartyKind == RegistrationForm.StateKind ? "state-code" : "organisation-name", T("ErrorPartyTaken"))],
            "registration_closed" => [new FieldError("", T("ErrorRegistrationClosed"))],
            _ when problem.Status == 409 || problem.Status == 422 => [new FieldError("", T("ErrorSentBefore"))],
            _ => [new FieldError("", T("ErrorUnexpected"))],
        };
    }

    private static FieldError MemberError(string field, Func<string, int, string> row, RegistrationForm form)
    {
        var match = MemberField().Match(field);
        if (!match.Success)
        {
            return new FieldError("", row("ErrorUnexpected", 0));
        }

        var i = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "function" => new FieldError($"member-{i}-function", row("ErrorMemberFunction", i)),
            "rank" => new FieldError($"member-{i}-rank", row("ErrorMemberRank", i)),
            "email" => new FieldError($"member-{i}-email", row("ErrorMemberEmail", i)),
            "isHead" => new FieldError("head-0", row("ErrorHead", i)),
            _ => new FieldError($"member-{i}-name", row(form.Members.Count > i ? "ErrorMemberName" : "ErrorUnexpected", i)),
        };
    }

    /// <summary>The summary lists errors in the order of the fields on the page.</summary>
    private static string Order(string id) => id switch
    {
        "" => "0",
        "party-kind" => "1a",
        "state-code" => "1b",
        "organisation-name" => "1c",
        "focal-point-name" => "2a",
        "focal-point-email" => "2b",
        _ when id.StartsWith("member-", StringComparison.Ordinal) => "3" + id.Split('-')[1].PadLeft(3, '0') + FieldRank(id),
        _ => "4",
    };

    private static string FieldRank(string id) =>
        id.EndsWith("-name", StringComparison.Ordinal) ? "a" : id.EndsWith("-function", StringComparison.Ordinal) ? "b" : id.EndsWith("-rank", StringComparison.Ordinal) ? "c" : "d";

    [GeneratedRegex(@"^members\[(\d+)\](?:\.(\w+))?$")]
    private static partial Regex MemberField();
}
