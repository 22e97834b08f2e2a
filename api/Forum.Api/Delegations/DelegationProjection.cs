using Forum.Api.Conferences;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Delegations;

/// <summary>A delegation as stored for reads: its state (personal data still sealed) and its stream version.</summary>
public sealed record DelegationDocument(Delegation State, long Version)
{
    public static string Prefix(string slug) => $"delegations/{slug}/";

    public static string DocumentId(string slug, Guid id) => $"{Prefix(slug)}{id}";
}

/// <summary>Which conference a delegation belongs to (its documents are kept per conference).</summary>
public sealed record DelegationLocation(string ConferenceSlug)
{
    public static string DocumentId(Guid id) => $"where/{id}";
}

/// <summary>What an access token (by its hash) reaches.</summary>
public sealed record AccessGrant(Guid DelegationId, string ConferenceSlug)
{
    public static string DocumentId(string tokenHash) => $"token/{tokenHash}";
}

/// <summary>The delegation that registered a party at a conference (until it withdraws).</summary>
public sealed record PartyRegistration(Guid DelegationId)
{
    public static string DocumentId(string slug, Party party) => $"party/{slug}/{party.Key}";
}

/// <summary>
/// Inline, so that it commits with every delegation write: delegations, the conference's places and waiting list,
/// the access-token and party indexes. Decisions on places read it under the conference's lock, where it is exact.
/// </summary>
public sealed class DelegationProjection : IProjection
{
    public const string ProjectionName = "delegations";

    public string Name => ProjectionName;

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        await PrefetchAsync(events, session, ct);
        foreach (var e in events)
        {
            if (e.Data is ConferenceScheduled scheduled)
            {
                session.Store(Places.DocumentId(scheduled.Slug), new Places(new Conference(scheduled, ConferenceStatus.Draft), 0, 0, 1, 0));
                continue;
            }

            if (e.StreamId.StartsWith("conference-", StringComparison.Ordinal))
            {
                var conferenceSlug = e.StreamId["conference-".Length..];
                if (await session.LoadAsync<Places>(Places.DocumentId(conferenceSlug), ct) is { } current)
                {
                    session.Store(Places.DocumentId(conferenceSlug), current with { Conference = ConferenceDecider.Instance.Evolve(current.Conference, e.Data)! });
                }

                continue;
            }

            if (!e.StreamId.StartsWith("delegation-", StringComparison.Ordinal))
            {
                continue;
            }

            var id = DelegationIdOf(e.StreamId);
            string slug;
            Delegation? before = null;
            if (e.Data is DelegationRegistered registered)
            {
                slug = registered.ConferenceSlug;
                session.Store(DelegationLocation.DocumentId(id), new DelegationLocation(slug));
                session.Store(AccessGrant.DocumentId(registered.AccessTokenHash), new AccessGrant(id, slug));
                session.Store(PartyRegistration.DocumentId(slug, registered.Party), new PartyRegistration(id));
            }
            else
            {
                slug = (await session.LoadAsync<DelegationLocation>(DelegationLocation.DocumentId(id), ct))!.ConferenceSlug;
                before = (await session.LoadAsync<DelegationDocument>(DelegationDocument.DocumentId(slug, id), ct))?.State;
            }

            var after = DelegationDecider.Instance.Evolve(before, e.Data)!;
            session.Store(DelegationDocument.DocumentId(slug, id), new DelegationDocument(after, e.StreamVersion));
            switch (e.Data)
            {
                case AccessTokenRotated:
                    session.Delete(AccessGrant.DocumentId(before!.AccessTokenHash));
                    session.Store(AccessGrant.DocumentId(after.AccessTokenHash), new AccessGrant(id, slug));
                    break;
                case DelegationWithdrawn:
                    session.Delete(PartyRegistration.DocumentId(slug, after.Party));
                    break;
                case MemberWaitlisted w:
                    session.Store(WaitingEntry.DocumentId(slug, w.Ticket), new WaitingEntry(w.Ticket, id, w.MemberId));
                    break;
                case WaitingListLeft l:
                    session.Delete(WaitingEntry.DocumentId(slug, l.Ticket));
                    break;
                case MemberMovedUp u:
                    session.Delete(WaitingEntry.DocumentId(slug, u.Ticket));
                    break;
                case SeatWaitlisted w:
                    session.Store(SeatWaitingEntry.DocumentId(slug, w.SessionId, w.Ticket), new SeatWaitingEntry(w.SessionId, w.Ticket, id, w.MemberId));
                    break;
                case SeatWaitingLeft l:
                    session.Delete(SeatWaitingEntry.DocumentId(slug, l.SessionId, l.Ticket));
                    break;
                case SeatMovedUp u:
                    session.Delete(SeatWaitingEntry.DocumentId(slug, u.SessionId, u.Ticket));
                    break;
            }

            if (SessionSeats.SessionOf(e.Data) is { } sessionId)
            {
                var seatsId = SessionSeats.DocumentId(slug, sessionId);
                var seats = await session.LoadAsync<SessionSeats>(seatsId, ct) ?? SessionSeats.Empty(sessionId);
                session.Store(seatsId, seats.Evolve(e.Data));
            }

            var places = await session.LoadAsync<Places>(Places.DocumentId(slug), ct)
                ?? throw new InvalidOperationException($"The places of conference '{slug}' are not known.");
            if (places.Evolve(e.Data) is var next && next != places)
            {
                session.Store(Places.DocumentId(slug), next);
            }
        }
    }

    private static Guid DelegationIdOf(string streamId) => Guid.Parse(streamId.AsSpan("delegation-".Length));

    /// <summary>
    /// Loads, in two queries, the documents this batch will read: where each delegation already known is kept, then
    /// those delegations and their conferences' places. (A delegation registering in this batch has none yet.)
    /// </summary>
    private static async Task PrefetchAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        var registering = events.Where(e => e.Data is DelegationRegistered).Select(e => e.StreamId).ToHashSet(StringComparer.Ordinal);
        var known = events.Where(e => e.StreamId.StartsWith("delegation-", StringComparison.Ordinal) && !registering.Contains(e.StreamId))
            .Select(e => DelegationIdOf(e.StreamId)).Distinct().ToList();
        var locations = known.Count == 0
            ? new Dictionary<string, DelegationLocation>()
            : await session.LoadManyAsync<DelegationLocation>(known.Select(DelegationLocation.DocumentId), ct);
        var slugs = locations.Values.Select(l => l.ConferenceSlug)
            .Concat(events.Select(e => e.Data).OfType<DelegationRegistered>().Select(r => r.ConferenceSlug))
            .ToHashSet(StringComparer.Ordinal);
        await session.PrefetchAsync(
            known.Where(id => locations.ContainsKey(DelegationLocation.DocumentId(id)))
                .Select(id => (DelegationDocument.DocumentId(locations[DelegationLocation.DocumentId(id)].ConferenceSlug, id), typeof(DelegationDocument)))
                .Concat(slugs.Select(slug => (Places.DocumentId(slug), typeof(Places))))
                .ToList(),
            ct);
    }
}
