using System.Text.Json.Serialization;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Declarations;

public enum DeclarationStatus
{
    Draft,
    Adopted,
    OpenForSignature,
}

public sealed record DraftVersion(int Number, DeclarationText Text, string ReportingDeadline, Instant DraftedAt);

/// <summary>One act of a party on the declaration: a signature, an accession or a withdrawal.</summary>
public sealed record SignatoryAct(
    string Kind,
    Guid DelegationId,
    LocalDate Date,
    Instant RecordedAt,
    string? Place = null,
    string? SignatoryName = null,
    string? SignatoryFunction = null,
    Guid? MemberId = null,
    string? TextHash = null,
    string? Reason = null)
{
    public const string Signature = "Signature";
    public const string Accession = "Accession";
    public const string Withdrawal = "Withdrawal";
}

/// <summary>A party with everything it did on the declaration, in order; it is bound while its last act is not a withdrawal.</summary>
public sealed record Signatory(Party Party, IReadOnlyList<SignatoryAct> Acts)
{
    [JsonIgnore]
    public bool IsBound => Acts[^1].Kind != SignatoryAct.Withdrawal;

    /// <summary>Bound at the end of that day: its last act on or before it is a signature or an accession.</summary>
    public bool IsBoundOn(LocalDate day) => Acts.LastOrDefault(a => a.Date <= day) is { Kind: not SignatoryAct.Withdrawal };
}

/// <summary>A declaration as its stream says: its drafts, whether and when it was adopted and opened, and its parties' acts.</summary>
public sealed record Declaration(
    Guid Id,
    string ConferenceSlug,
    string? SeriesSlug,
    string TimeZone,
    DeclarationStatus Status,
    IReadOnlyList<DraftVersion> Drafts,
    string? TextHash,
    Instant? AdoptedAt,
    Guid? SigningSessionId,
    Instant? OpensAt,
    IReadOnlyDictionary<string, Signatory> Signatories)
{
    [JsonIgnore]
    public DraftVersion Current => Drafts[^1];

    [JsonIgnore]
    public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[TimeZone];

    [JsonIgnore]
    public DeclarationText Text => Current.Text;

    [JsonIgnore]
    public bool IsAdopted => Status != DeclarationStatus.Draft;

    /// <summary>The reporting deadline for a year: the set day of the following year, at the end of that day in the conference's zone.</summary>
    public Instant ReportingDeadline(int year) =>
        Deadline(Current.ReportingDeadline).InYear(year + 1).PlusDays(1).AtStartOfDayInZone(Zone).ToInstant();

    public static AnnualDate Deadline(string text) => AnnualDatePattern.Iso.Parse(text).Value;

    public static string StreamId(Guid id) => $"declaration-{id}";
}

/// <summary>Who signs: the signatory's name and function (opened from the member's sealed data), the place and day.</summary>
public sealed record SignatureRequestContext(Delegation Delegation, Member Member, string Name, string Function, string Place, LocalDate Date);

public abstract record DeclarationCommand
{
    private DeclarationCommand()
    {
    }

    public sealed record Draft(Guid Id, Conference Conference, DeclarationText Text, string ReportingDeadline, Instant Now) : DeclarationCommand;

    public sealed record Redraft(DeclarationText Text, string ReportingDeadline, Instant Now) : DeclarationCommand;

    public sealed record Adopt(Instant Now) : DeclarationCommand;

    /// <summary>Opens for signature at <paramref name="OpensAt"/> (a ceremony's start, or now).</summary>
    public sealed record OpenForSignature(Guid? SessionId, Instant OpensAt) : DeclarationCommand;

    /// <param name="ConferenceConcluded">After the conference, a signature is an accession.</param>
    public sealed record Sign(SignatureRequestContext Signer, bool ConferenceConcluded, Instant Now) : DeclarationCommand;

    public sealed record Withdraw(Guid DelegationId, Party Party, string Reason, LocalDate Today, Instant Now) : DeclarationCommand;
}

/// <summary>
/// A declaration's rules: drafts until adopted, nothing changes an adopted text, signatures only once open, by a
/// member entitled to sign, once per party; accession after the conference or after a withdrawal.
/// </summary>
public sealed class DeclarationDecider : IDecider<Declaration?, DeclarationCommand>
{
    public static DeclarationDecider Instance { get; } = new();

    public string StreamType => "declaration";

    public Declaration? Initial => null;

    public IReadOnlyList<object> Decide(DeclarationCommand command, Declaration? state) => (command, state) switch
    {
        (DeclarationCommand.Draft d, null) => [new DeclarationDrafted(
            d.Id, d.Conference.Slug, d.Conference.Details.SeriesSlug, d.Conference.Details.TimeZone, 1, d.Text, d.ReportingDeadline, d.Now)],
        (DeclarationCommand.Draft, not null) => throw ProblemException.Conflict("declaration_exists", "This declaration already exists."),
        (_, null) => throw ProblemException.NotFound("such declaration"),
        (DeclarationCommand.Redraft r, { IsAdopted: false }) => r.Text == state.Text && r.ReportingDeadline == state.Current.ReportingDeadline
            ? []
            : [new DeclarationRedrafted(state.Current.Number + 1, r.Text, r.ReportingDeadline, r.Now)],
        (DeclarationCommand.Adopt a, { IsAdopted: false }) => [new DeclarationAdopted(state.Current.Number, state.Text.Hash(), a.Now)],
        (DeclarationCommand.Redraft or DeclarationCommand.Adopt, _) => throw Adopted(state),
        (DeclarationCommand.OpenForSignature o, { Status: DeclarationStatus.Adopted }) => [new DeclarationOpenedForSignature(o.SessionId, o.OpensAt)],
        (DeclarationCommand.OpenForSignature, { Status: DeclarationStatus.Draft }) => throw NotAdopted(),
        (DeclarationCommand.OpenForSignature, _) => throw ProblemException.Conflict("already_open_for_signature", "This declaration is already open for signature."),
        (DeclarationCommand.Sign s, _) => Sign(s, state),
        (DeclarationCommand.Withdraw w, _) => Withdraw(w, state),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    private static IReadOnlyList<object> Sign(DeclarationCommand.Sign c, Declaration state)
    {
        if (state.Status != DeclarationStatus.OpenForSignature || c.Now < state.OpensAt)
        {
            throw ProblemException.Conflict(
                "not_open_for_signature",
                state.Status switch
                {
                    DeclarationStatus.Draft => "This declaration is a draft: it is adopted, then opened for signature.",
                    DeclarationStatus.Adopted => "This declaration is adopted but not open for signature yet.",
                    _ => $"This declaration opens for signature at {state.OpensAt} (the signing ceremony).",
                },
                new Dictionary<string, object?> { ["opensAt"] = state.OpensAt?.ToString() });
        }

        var signer = c.Signer;
        var party = signer.Delegation.Party;
        var signatory = state.Signatories.GetValueOrDefault(party.Key);
        if (signatory is { IsBound: true })
        {
            var act = signatory.Acts[^1];
            throw ProblemException.Conflict(
                "already_signed",
                $"{party.Name} {(act.Kind == SignatoryAct.Accession ? "acceded to" : "signed")} this declaration on {act.Date:yyyy-MM-dd}; a party signs once.",
                new Dictionary<string, object?> { ["party"] = party, ["date"] = act.Date.ToString("yyyy-MM-dd", null) });
        }

        RequireEntitled(signer.Delegation, signer.Member);
        // Days of signature are the conference's days, in its time zone.
        var openedOn = state.OpensAt!.Value.InZone(state.Zone).Date;
        var today = c.Now.InZone(state.Zone).Date;
        if (signer.Date > today || signer.Date < openedOn)
        {
            throw new ValidationException(new Dictionary<string, string[]>
            {
                ["date"] = [$"The date of signature is between the opening for signature ({openedOn:yyyy-MM-dd}) and today ({today:yyyy-MM-dd}), in the conference's time zone."],
            });
        }

        var kind = c.ConferenceConcluded || signatory is not null ? SignatureKind.Accession : SignatureKind.Signature;
        return [new DeclarationSigned(signer.Delegation.Id, party, signer.Member.Id, signer.Name, signer.Function, kind, signer.Date, signer.Place, state.TextHash!, c.Now)];
    }

    /// <summary>The head of delegation of ministerial rank, or a member whose declared full powers protocol confirmed; accredited, in an active delegation.</summary>
    public static void RequireEntitled(Delegation delegation, Member member)
    {
        string? why = null;
        if (delegation.Status != DelegationStatus.Active || !member.IsActive)
        {
            why = "The member is no longer in the delegation.";
        }
        else if (member.Accreditation.Status != AccreditationStatus.Approved)
        {
            why = "The member is not accredited.";
        }
        else if (member.IsHead && member.IsMinisterialRank || member.FullPowers is { Confirmed: true })
        {
            return;
        }
        else if (member.HasFullPowers)
        {
            why = member.FullPowers is null
                ? "The member is declared as holding full powers, but protocol has not confirmed them yet."
                : "Protocol did not confirm the member's full powers.";
        }
        else
        {
            why = member.IsHead
                ? $"The head of delegation is of rank {member.Rank}, not of ministerial rank, and holds no confirmed full powers."
                : "Only the head of delegation of ministerial rank, or a member holding full powers confirmed by protocol, signs.";
        }

        throw ProblemException.Unprocessable("not_entitled_to_sign", why, new Dictionary<string, object?> { ["memberId"] = member.Id });
    }

    private static IReadOnlyList<object> Withdraw(DeclarationCommand.Withdraw c, Declaration state)
    {
        if (state.Signatories.GetValueOrDefault(c.Party.Key) is not { IsBound: true })
        {
            throw ProblemException.Conflict("not_signed", $"{c.Party.Name} has no signature in force on this declaration to withdraw.");
        }

        return [new SignatureWithdrawn(c.DelegationId, c.Party, c.Reason, c.Today, c.Now)];
    }

    private static ProblemException Adopted(Declaration state) => ProblemException.Conflict(
        "declaration_adopted",
        $"This declaration was adopted on {state.AdoptedAt}; its text no longer changes. A changed text needs a new declaration.",
        new Dictionary<string, object?> { ["textHash"] = state.TextHash });

    private static ProblemException NotAdopted() =>
        ProblemException.Conflict("not_adopted", "This declaration is still a draft: adopt it first.");

    public Declaration? Evolve(Declaration? state, object change) => change switch
    {
        DeclarationDrafted d => new Declaration(
            d.DeclarationId, d.ConferenceSlug, d.SeriesSlug, d.TimeZone, DeclarationStatus.Draft, [new DraftVersion(d.Draft, d.Text, d.ReportingDeadline, d.DraftedAt)], null, null, null, null,
            new Dictionary<string, Signatory>()),
        DeclarationRedrafted r => state! with { Drafts = [.. state.Drafts, new DraftVersion(r.Draft, r.Text, r.ReportingDeadline, r.DraftedAt)] },
        DeclarationAdopted a => state! with { Status = DeclarationStatus.Adopted, TextHash = a.TextHash, AdoptedAt = a.AdoptedAt },
        DeclarationOpenedForSignature o => state! with { Status = DeclarationStatus.OpenForSignature, SigningSessionId = o.SessionId, OpensAt = o.OpensAt },
        DeclarationSigned s => WithAct(state!, s.Party, new SignatoryAct(
            s.Kind == SignatureKind.Accession ? SignatoryAct.Accession : SignatoryAct.Signature, s.DelegationId, s.Date, s.RecordedAt, s.Place, s.SignatoryName, s.SignatoryFunction, s.MemberId, s.TextHash)),
        SignatureWithdrawn w => WithAct(state!, w.Party, new SignatoryAct(SignatoryAct.Withdrawal, w.DelegationId, w.Date, w.RecordedAt, Reason: w.Reason)),
        _ => state,
    };

    private static Declaration WithAct(Declaration state, Party party, SignatoryAct act)
    {
        var signatories = new Dictionary<string, Signatory>(state.Signatories);
        signatories[party.Key] = signatories.TryGetValue(party.Key, out var s) ? s with { Acts = [.. s.Acts, act] } : new Signatory(party, [act]);
        return state with { Signatories = signatories };
    }
}
