using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Calendars;

/// <summary>
/// A feed token was issued: for the delegation's feed (MemberId null) or a member's. Only its SHA-256 is kept for
/// look-ups; the token itself is sealed with a key of its own, so that the focal point can be shown the address
/// again, and a rotation erases the old key.
/// </summary>
public sealed record FeedTokenIssued(Guid DelegationId, string ConferenceSlug, Guid? MemberId, string TokenHash, Sealed Token);

/// <summary>The feed tokens of a delegation, by owner (the delegation's own under <see cref="Guid.Empty"/>).</summary>
public sealed record FeedTokens(Guid DelegationId, IReadOnlyDictionary<Guid, FeedTokenIssued> Current)
{
    public static string StreamId(Guid delegationId) => $"feeds-{delegationId}";

    public static FeedTokens Evolve(FeedTokens? state, object change) => change is FeedTokenIssued issued
        ? new FeedTokens(issued.DelegationId, new Dictionary<Guid, FeedTokenIssued>(state?.Current ?? new Dictionary<Guid, FeedTokenIssued>())
        {
            [issued.MemberId ?? Guid.Empty] = issued,
        })
        : state ?? throw new InvalidOperationException("A feed stream starts with a token.");
}

/// <summary>
/// What a feed token reaches: the delegation's feed or a member's, and the key of its rendering
/// (<see cref="FeedKeys"/>), which a read follows in the same round trip.
/// </summary>
public sealed record FeedGrant(string ConferenceSlug, Guid DelegationId, Guid? MemberId, string FeedKey)
{
    public static string DocumentId(string tokenHash) => $"grant/{tokenHash}";
}

/// <summary>The token hashes in force for a delegation's feeds, so that a withdrawal or an erasure can revoke them.</summary>
public sealed record FeedOwners(Dictionary<Guid, string> Hashes)
{
    public static string DocumentId(Guid delegationId) => $"owners/{delegationId}";
}

public static class FeedKeys
{
    public static string Conference(string slug) => $"conference/{slug}";

    public static string Delegation(Guid id) => $"delegation/{id}";

    public static string Person(Guid memberId) => $"person/{memberId}";
}

/// <summary>
/// Inline, so that a rotated token, a withdrawn or replaced member, an erased member and a withdrawn delegation lose
/// their feeds in the same transaction: the grant is deleted, and a look-up finds nothing (404).
/// </summary>
public sealed class FeedGrantProjection : IProjection
{
    public const string ProjectionName = "calendar-grants";

    public string Name => ProjectionName;

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case FeedTokenIssued issued:
                {
                    var owners = await OwnersAsync(session, issued.DelegationId, ct);
                    var owner = issued.MemberId ?? Guid.Empty;
                    if (owners.Hashes.TryGetValue(owner, out var old))
                    {
                        session.Delete(FeedGrant.DocumentId(old));
                    }

                    owners.Hashes[owner] = issued.TokenHash;
                    session.Store(FeedOwners.DocumentId(issued.DelegationId), owners);
                    var key = issued.MemberId is { } member ? FeedKeys.Person(member) : FeedKeys.Delegation(issued.DelegationId);
                    session.Store(FeedGrant.DocumentId(issued.TokenHash), new FeedGrant(issued.ConferenceSlug, issued.DelegationId, issued.MemberId, key));
                    break;
                }

                case MemberWithdrawn w:
                    await RevokeAsync(session, e.StreamId, [w.MemberId], ct);
                    break;
                case MemberReplaced r:
                    await RevokeAsync(session, e.StreamId, [r.MemberId], ct);
                    break;
                case MemberPersonalDataErased x:
                    await RevokeAsync(session, e.StreamId, [x.MemberId], ct);
                    break;
                case AccreditationDecided { Decision: AccreditationStatus.Rejected } d:
                    await RevokeAsync(session, e.StreamId, [d.MemberId], ct);
                    break;
                case DelegationWithdrawn:
                    await RevokeAsync(session, e.StreamId, null, ct);
                    break;
            }
        }
    }

    private static async Task<FeedOwners> OwnersAsync(DocumentSession session, Guid delegationId, CancellationToken ct)
    {
        var found = await session.LoadAsync<FeedOwners>(FeedOwners.DocumentId(delegationId), ct);
        return new FeedOwners(new Dictionary<Guid, string>(found?.Hashes ?? []));
    }

    /// <summary>Deletes the grants of the given members (all, delegation's included, when null).</summary>
    private static async Task RevokeAsync(DocumentSession session, string streamId, IReadOnlyCollection<Guid>? members, CancellationToken ct)
    {
        var delegationId = Guid.Parse(streamId["delegation-".Length..]);
        var owners = await OwnersAsync(session, delegationId, ct);
        foreach (var (owner, hash) in owners.Hashes.Where(o => members is null || members.Contains(o.Key)).ToList())
        {
            session.Delete(FeedGrant.DocumentId(hash));
            owners.Hashes.Remove(owner);
        }

        session.Store(FeedOwners.DocumentId(delegationId), owners);
    }
}
