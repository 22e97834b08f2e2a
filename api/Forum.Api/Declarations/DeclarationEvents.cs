using Forum.Api.Delegations;
using NodaTime;

namespace Forum.Api.Declarations;

/// <summary>
/// An organiser drafted a declaration for a conference: its first draft. ReportingDeadline is the day of the
/// following year ("MM-dd") until which a year's progress report may be revised. The conference's series and time
/// zone (which never change) are kept with it, for the days of signature and the deadlines.
/// </summary>
public sealed record DeclarationDrafted(
    Guid DeclarationId, string ConferenceSlug, string? SeriesSlug, string TimeZone, int Draft, DeclarationText Text, string ReportingDeadline, Instant DraftedAt);

/// <summary>A new draft replaced the previous one; every draft stays readable.</summary>
public sealed record DeclarationRedrafted(int Draft, DeclarationText Text, string ReportingDeadline, Instant DraftedAt);

/// <summary>The text of the given draft is frozen; TextHash is the SHA-256 of its canonical form.</summary>
public sealed record DeclarationAdopted(int Draft, string TextHash, Instant AdoptedAt);

/// <summary>Signatures are taken from OpensAt on (the start of the signing ceremony, when one was named).</summary>
public sealed record DeclarationOpenedForSignature(Guid? SessionId, Instant OpensAt);

public enum SignatureKind
{
    Signature,
    Accession,
}

/// <summary>
/// A party signed (or acceded to) the adopted text through one of its delegations. The signatory's name and function
/// are kept in clear: a signature is a public act, and stays in the register if the member's personal data is erased.
/// </summary>
public sealed record DeclarationSigned(
    Guid DelegationId,
    Party Party,
    Guid MemberId,
    string SignatoryName,
    string SignatoryFunction,
    SignatureKind Kind,
    LocalDate Date,
    string Place,
    string TextHash,
    Instant RecordedAt);

/// <summary>A party withdrew its signature; the register keeps the signature and shows the withdrawal.</summary>
public sealed record SignatureWithdrawn(Guid DelegationId, Party Party, string Reason, LocalDate Date, Instant RecordedAt);

/// <summary>A party's progress report for a year (a revision replaces the previous one until the year's deadline).</summary>
public sealed record ProgressReported(Guid DeclarationId, Party Party, Guid DelegationId, int Year, int Revision, IReadOnlyList<CommitmentProgress> Commitments, Instant ReportedAt);
