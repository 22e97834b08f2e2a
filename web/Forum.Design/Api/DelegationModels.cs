namespace Forum.Design.Api;

// A delegation as GET /api/delegations/{id} (and /mine, and a conference's /delegations) answers it: the focal point's
// area and the protocol officers' pages read the same models.

public sealed record Contact(string? Name, string? Email, bool Erased);

/// <summary>Protocol's decision on a member's accreditation; who decided and when come in staff views (and the focal point's alike).</summary>
public sealed record AccreditationState(string Status, string? Reason = null, string? DecidedBy = null, DateTimeOffset? DecidedAt = null);

public sealed record PlaceState(string Status, long? WaitingPosition = null);

/// <summary>Protocol's decision on the full powers declared for a member: a confirmed member may sign for the party.</summary>
public sealed record FullPowersDecision(bool Confirmed, string? Reason = null, string? DecidedBy = null, DateTimeOffset? DecidedAt = null);

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
    FullPowersDecision? FullPowers = null,
    Guid? Replaces = null,
    Guid? ReplacedBy = null)
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
    string? WithdrawalReason = null,
    DateTimeOffset? RegisteredAt = null)
{
    public IEnumerable<DelegationMember> ActiveMembers => Members.Where(m => m.Active);
}

