using System.Security.Cryptography;
using Forum.Web.Api;

namespace Forum.Web.Registration;

/// <summary>One row of the members' table, as typed.</summary>
public sealed class MemberRow
{
    public string? Name { get; set; }

    public string? Function { get; set; }

    public string? Rank { get; set; }

    public string? Email { get; set; }

    public bool FullPowers { get; set; }
}

/// <summary>The registration form as posted: what was typed is kept as it is, and sent to the API only on "Register".</summary>
public sealed class RegistrationForm
{
    public const string StateKind = "State";

    /// <summary>Kinds of party the API knows, states first.</summary>
    public static readonly IReadOnlyList<string> PartyKinds = [StateKind, "InternationalOrganisation", "Company", "NonGovernmentalOrganisation", "LawEnforcement"];

    /// <summary>Ranks in the API's order of precedence.</summary>
    public static readonly IReadOnlyList<string> Ranks = ["HeadOfStateOrGovernment", "Minister", "DeputyMinister", "SecretaryOfState", "HeadOfOrganisation", "Ambassador", "SeniorOfficial", "Official", "Expert", "Other"];

    /// <summary>Made when the form is first shown and posted back with it, so a double submit registers once.</summary>
    public string IdempotencyKey { get; set; } = "";

    public string? PartyKind { get; set; } = StateKind;

    public string? StateCode { get; set; }

    public string? OrganisationName { get; set; }

    public string? FocalPointName { get; set; }

    public string? FocalPointEmail { get; set; }

    public List<MemberRow> Members { get; set; } = [];

    /// <summary>The row of the head of delegation (one radio button per row, so there is at most one).</summary>
    public int? Head { get; set; }

    public static RegistrationForm New() => new() { IdempotencyKey = NewKey(), Members = [new MemberRow()], Head = 0 };

    public static string NewKey() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public RegisterDelegationRequest ToRequest()
    {
        var kind = string.IsNullOrWhiteSpace(PartyKind) ? null : PartyKind;
        var party = kind == StateKind
            ? new PartyRequest(kind, string.IsNullOrEmpty(StateCode) ? null : StateCode, null)
            : new PartyRequest(kind, null, OrganisationName);
        return new RegisterDelegationRequest(
            party,
            new ContactRequest(FocalPointName, FocalPointEmail),
            Members.Select((m, i) => new MemberRequest(m.Name, m.Function, string.IsNullOrEmpty(m.Rank) ? null : m.Rank, m.Email, Head == i, m.FullPowers)).ToList());
    }

    public void AddRow() => Members.Add(new MemberRow());

    public void RemoveRow(int index)
    {
        if (index < 0 || index >= Members.Count || Members.Count == 1)
        {
            return;
        }

        Members.RemoveAt(index);
        Head = Head == index ? null : Head > index ? Head - 1 : Head;
    }
}
