using Forum.Api.Infrastructure;
using NodaTime;

namespace Forum.Api.Delegations;

/// <summary>
/// A delegation registered. The focal point's name and e-mail are sealed with a key of their own (crypto-shredding);
/// the access token is kept as its SHA-256, and sealed with a key of its own (<paramref name="AccessLink"/>) only until
/// the mail to the focal point is made, which erases that key. Number is its order of registration in the conference.
/// </summary>
public sealed record DelegationRegistered(
    Guid DelegationId, int Number, string ConferenceSlug, Party Party, Sealed FocalPoint, string AccessTokenHash, Instant RegisteredAt, Sealed? AccessLink = null);

/// <summary>A member joined (at registration or later); name, function and e-mail are sealed with the member's own key.</summary>
public sealed record MemberAdded(Guid MemberId, Rank Rank, bool IsHead, bool HasFullPowers, Sealed Person, Guid? Replaces = null);

/// <summary>The member holds one of the conference's places.</summary>
public sealed record MemberAdmitted(Guid MemberId);

/// <summary>The conference was full: the member waits, behind every smaller ticket of the conference.</summary>
public sealed record MemberWaitlisted(Guid MemberId, long Ticket);

/// <summary>A place freed and the member, first in line, took it.</summary>
public sealed record MemberMovedUp(Guid MemberId, long Ticket, string Reason);

public sealed record PlaceReleased(Guid MemberId, string Reason);

public sealed record WaitingListLeft(Guid MemberId, long Ticket, string Reason);

public sealed record MemberReplaced(Guid MemberId, Guid ReplacementId);

public sealed record MemberWithdrawn(Guid MemberId);

/// <summary>A protocol officer's decision; a later one revises it.</summary>
public sealed record AccreditationDecided(Guid MemberId, AccreditationStatus Decision, string? Reason, string DecidedBy, Instant DecidedAt);

public sealed record FocalPointChanged(Sealed FocalPoint);

public sealed record DelegationWithdrawn(string? Reason);

public sealed record AccessTokenRotated(string AccessTokenHash);

/// <summary>The member's key was deleted: what was sealed with it (name, function, e-mail) can no longer be read.</summary>
public sealed record MemberPersonalDataErased(Guid MemberId);

/// <summary>Protocol confirmed (or refused) the full powers the focal point declared for a member; a later decision revises it.</summary>
public sealed record FullPowersDecided(Guid MemberId, bool Confirmed, string? Reason, string DecidedBy, Instant DecidedAt);
