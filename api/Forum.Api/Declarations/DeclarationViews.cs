using NodaTime;

namespace Forum.Api.Declarations;

public sealed record IndicatorRequest(string? Name, string? Unit);

public sealed record CommitmentRequest(string? Text, IndicatorRequest? Indicator, decimal? YearlyTarget);

/// <summary>A draft: title, preamble, commitments (numbered in this order), and the reporting deadline ("MM-dd" of the following year, 03-31 when left out).</summary>
public sealed record DraftDeclarationRequest(string? Title, string? Preamble, IReadOnlyList<CommitmentRequest?>? Commitments, string? ReportingDeadline);

public sealed record OpenForSignatureRequest(Guid? SessionId);

/// <summary>A signature for a delegation by one of its members; place and date default to the conference's city and today.</summary>
public sealed record SignRequest(Guid? DelegationId, Guid? MemberId, string? Place, LocalDate? Date);

public sealed record WithdrawSignatureRequest(string? Reason, LocalDate? Date);

public sealed record CommitmentProgressRequest(int? Number, string? Status, decimal? IndicatorValue, string? Narrative);

public sealed record ReportRequest(Guid? DelegationId, int? Year, IReadOnlyList<CommitmentProgressRequest?>? Commitments);

public sealed record SigningView(Guid? SessionId, Instant OpensAt);

/// <summary>
/// A declaration at one of its drafts (the latest unless asked): its text, the SHA-256 of that text's canonical form
/// (for an adopted declaration, the hash recorded at adoption and on every signature), its state.
/// </summary>
public sealed record DeclarationView(
    Guid Id,
    string ConferenceSlug,
    string? SeriesSlug,
    DeclarationStatus Status,
    int Version,
    int LatestVersion,
    string Title,
    string Preamble,
    IReadOnlyList<Commitment> Commitments,
    string ReportingDeadline,
    string TextHash,
    Instant DraftedAt,
    Instant? AdoptedAt,
    SigningView? Signing,
    int Signatories,
    long StreamVersion);

public sealed record ProgressYearsView(Guid DeclarationId, IReadOnlyList<ProgressYearView> Years);

public sealed record ReportView(Guid DeclarationId, PartyRef Party, Guid DelegationId, int Year, int Revision, Instant ReportedAt, Instant Deadline, IReadOnlyList<CommitmentProgress> Commitments);
