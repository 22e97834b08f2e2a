namespace Forum.Web.Api;

// The focal point's view of its delegation (GET /api/delegations/mine and /api/delegations/{id}), as far as the area reads it.

public sealed record Contact(string? Name, string? Email, bool Erased);

public sealed record AccreditationState(string Status, string? Reason = null);

public sealed record PlaceState(string Status, long? WaitingPosition = null);

/// <summary>Protocol's decision on the full powers declared for a member: a confirmed member may sign for the party.</summary>
public sealed record FullPowersDecision(bool Confirmed, string? Reason = null);

public sealed record SeatState(Guid SessionId, string Status, long? WaitingPosition = null, string? Reason = null);

public sealed record DelegationMember(
    Guid Id,
    string? Name,
    string? Function,
    string? Email,
    string Rank,
    bool IsMinisterialRank,
    bool IsHead,
    bool HasFullPowers,
    bool Erased,
    string Status,
    AccreditationState Accreditation,
    PlaceState Place,
    IReadOnlyList<SeatState> Seats,
    bool MailUndeliverable = false,
    FullPowersDecision? FullPowers = null)
{
    public bool Active => Status == "Active";

    /// <summary>
    /// Who may sign a declaration for the party, as the API decides it: an active, accredited member who is the head of
    /// delegation of ministerial rank or holds full powers that protocol confirmed.
    /// </summary>
    public bool EntitledToSign => Active && Accreditation.Status == "Approved" && (IsHead && IsMinisterialRank || FullPowers is { Confirmed: true });

    /// <summary>Only accredited members with a place at the conference get a badge and take seats.</summary>
    public bool Accredited => Active && Accreditation.Status == "Approved" && Place.Status == "Admitted";
}

public sealed record DelegationDetails(
    Guid Id,
    int Number,
    string ConferenceSlug,
    Party Party,
    Contact FocalPoint,
    string Status,
    long Version,
    IReadOnlyList<DelegationMember> Members,
    string? WithdrawalReason = null)
{
    public IEnumerable<DelegationMember> ActiveMembers => Members.Where(m => m.Active);
}

public sealed record SignRequest(Guid DelegationId, Guid? MemberId, string? Place);

public sealed record WithdrawSignatureRequest(string? Reason);

public sealed record WithdrawDelegationRequest(string? Reason);

public sealed record CommitmentProgressRequest(int Number, string? Status, decimal? IndicatorValue, string? Narrative);

public sealed record ReportRequest(Guid DelegationId, int Year, IReadOnlyList<CommitmentProgressRequest> Commitments);

public sealed record CommitmentProgress(int Number, string Status, decimal? IndicatorValue, string Narrative);

/// <summary>A party's report for a year as it stands (each revision replaces the last until the year's deadline).</summary>
public sealed record ReportView(Guid DeclarationId, Guid DelegationId, int Year, int Revision, string ReportedAt, string Deadline, IReadOnlyList<CommitmentProgress> Commitments);

public sealed record SeatsRequest(Guid? SessionId, IReadOnlyList<Guid> MemberIds, bool RequestsFloor);

public sealed record MemberFeed(Guid MemberId, string? Name, CalendarLinks Feed);

public sealed record DelegationFeeds(Guid DelegationId, CalendarLinks Delegation, IReadOnlyList<MemberFeed> Members);

public sealed record AccessToken(string Value);
