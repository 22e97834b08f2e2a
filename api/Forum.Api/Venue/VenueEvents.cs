using Forum.Api.Delegations;
using NodaTime;

namespace Forum.Api.Venues;

/// <summary>A member's first badge: its codes carry serial 1.</summary>
public sealed record BadgeIssued(Guid MemberId, Guid DelegationId, string ConferenceSlug, int Serial);

/// <summary>Protocol re-issued the member's badge: codes with a smaller serial are refused from now on.</summary>
public sealed record BadgeReissued(Guid MemberId, Guid DelegationId, string ConferenceSlug, int Serial);

/// <summary>
/// A member passed a gate. ScannedAt is the scanner's own time (an offline scan keeps it); the time it reached the
/// server is the event's recorded-at. ScanId, when the scanner gave one, makes a resent scan the same check-in.
/// Reason, for a member checked in by hand (no badge at hand), says why.
/// </summary>
public sealed record MemberCheckedIn(Guid MemberId, Guid DelegationId, string ConferenceSlug, PartyKind PartyKind, int Serial, string? ScanId, Instant ScannedAt, string? Gate, string? Reason = null);

/// <summary>
/// A scanner admitted a member who was already checked in by another scan: two gates let the same badge in (offline,
/// before either synced). The member stays checked in once; this scan is kept, and flagged for a look.
/// </summary>
public sealed record MemberAdmittedAgain(Guid MemberId, Guid DelegationId, string ConferenceSlug, PartyKind PartyKind, int Serial, string ScanId, Instant ScannedAt, string? Gate, string? Reason = null);
