using System.Text;
using System.Text.Json;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Calendars;

/// <summary>A feed's bytes as served, with the stamp (position of the event that last changed it) its ETag is made of.</summary>
public sealed record RenderedFeed(long Stamp, string Body);

/// <summary>The stamp of a rendered feed alone: what a read checks before serving bytes it already holds.</summary>
public sealed record FeedHead(long Stamp)
{
    public static string DocumentId(string feedKey) => $"head/{feedKey}";
}

/// <summary>
/// Async (in the daemon): the feeds' bytes, rendered when the agenda is published (the conference's feed and every
/// feed of its delegations and members) or when a delegation's seats change (its feed and its members'). It reads
/// what the agenda and delegation projections committed, so it renders the current published agenda and seats. A
/// feed is read as stored bytes: a personal feed costs the same to serve whatever the size of the conference.
/// </summary>
public sealed class FeedProjection(CalendarOptions options) : IProjection
{
    public const string ProjectionName = "calendars";

    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();

    public string Name => ProjectionName;

    /// <summary>What changes a feed, as <see cref="ApplyAsync"/> tells them apart.</summary>
    public IReadOnlyCollection<Type>? EventTypes { get; } =
    [
        typeof(AgendaPublished), typeof(SpeakingOrderFixed), typeof(SpeakingOrderJoined), typeof(SpeakingOrderLeft), typeof(FloorRequested), typeof(FloorWithdrawn),
        typeof(SeatTaken), typeof(SeatMovedUp), typeof(SeatReleased), typeof(MemberWithdrawn), typeof(MemberReplaced), typeof(DelegationWithdrawn), typeof(MemberPersonalDataErased),
    ];

    public static string FeedId(string feedKey) => $"feed/{feedKey}";

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        // What to render, each at the position (stamp) and time of the last event that changed it.
        var published = new Dictionary<string, Change>(StringComparer.Ordinal);
        var tours = new Dictionary<string, Change>(StringComparer.Ordinal);
        var delegations = new Dictionary<Guid, Change>();
        var erased = new List<Guid>();
        foreach (var e in events)
        {
            var change = new Change(e.Position, Instant.FromDateTimeOffset(e.RecordedAt));
            switch (e.Data)
            {
                case AgendaPublished p:
                    published[e.StreamId["agenda-".Length..]] = change with { At = p.PublishedAt };
                    break;
                case SpeakingOrderFixed or SpeakingOrderJoined or SpeakingOrderLeft:
                    tours[e.StreamId["agenda-".Length..]] = change;
                    break;
                case FloorRequested or FloorWithdrawn:
                    var where = await session.LoadFromAsync<DelegationLocation>(DelegationProjection.ProjectionName, DelegationLocation.DocumentId(DelegationOf(e.StreamId)), ct);
                    if (where is not null)
                    {
                        tours[where.ConferenceSlug] = change;
                    }

                    delegations[DelegationOf(e.StreamId)] = change;
                    break;
                case SeatTaken or SeatMovedUp or SeatReleased or MemberWithdrawn or MemberReplaced or DelegationWithdrawn:
                    delegations[DelegationOf(e.StreamId)] = change;
                    break;
                case MemberPersonalDataErased x:
                    erased.Add(x.MemberId);
                    break;
            }
        }

        var contexts = new Dictionary<string, Rendering?>(StringComparer.Ordinal);
        foreach (var (slug, change) in published)
        {
            if (await RenderingAsync(session, slug, contexts, ct) is not { } r)
            {
                continue;
            }

            r.Store(FeedKeys.Conference(slug), change, FeedKind.Public, FeedRenderer.Name(r.Conference, FeedKind.Public), r.View.AllSessions);
            foreach (var delegation in r.Delegations)
            {
                r.RenderDelegation(delegation, Latest(change, delegations.GetValueOrDefault(delegation.Id)), members: true);
                delegations.Remove(delegation.Id);
            }
        }

        foreach (var (slug, change) in tours.Where(t => !published.ContainsKey(t.Key)))
        {
            if (await RenderingAsync(session, slug, contexts, ct) is { } r)
            {
                foreach (var delegation in r.Delegations)
                {
                    r.RenderDelegation(delegation, Latest(change, delegations.GetValueOrDefault(delegation.Id)), members: delegations.Remove(delegation.Id));
                }
            }
        }

        foreach (var (id, change) in delegations)
        {
            var where = await session.LoadFromAsync<DelegationLocation>(DelegationProjection.ProjectionName, DelegationLocation.DocumentId(id), ct);
            if (where is not null && await RenderingAsync(session, where.ConferenceSlug, contexts, ct) is { } r && r.Delegations.FirstOrDefault(d => d.Id == id) is { } delegation)
            {
                r.RenderDelegation(delegation, change, members: true);
            }
        }

        foreach (var r in contexts.Values.OfType<Rendering>())
        {
            r.StoreSequences();
        }

        // An erased member's feed is gone with its token; its bytes go too.
        foreach (var member in erased)
        {
            session.Delete(FeedId(FeedKeys.Person(member)));
            session.Delete(FeedHead.DocumentId(FeedKeys.Person(member)));
        }
    }

    private static Guid DelegationOf(string streamId) => Guid.Parse(streamId["delegation-".Length..]);

    private static Change Latest(Change a, Change? b) => b is not null && b.Stamp > a.Stamp ? b : a;

    /// <summary>An event that changes feeds: its position (the feeds' stamp) and its time (LAST-MODIFIED of what it changed).</summary>
    private sealed record Change(long Stamp, Instant At);

    /// <summary>
    /// A conference's latest published agenda (organisers' rendering: every session), its agenda state (fixed speaking
    /// orders), its delegations as committed now, and the sessions' sequences, raised as renderings find changes.
    /// </summary>
    private async Task<Rendering?> RenderingAsync(DocumentSession session, string slug, Dictionary<string, Rendering?> cache, CancellationToken ct)
    {
        if (cache.TryGetValue(slug, out var found))
        {
            return found;
        }

        var conference = await session.LoadFromAsync<ConferenceScheduled>(AgendaProjection.ProjectionName, AgendaProjection.ConferenceId(slug), ct);
        var latest = await session.LoadFromAsync<PublishedVersion>(AgendaProjection.ProjectionName, AgendaProjection.LatestId(slug), ct);
        Rendering? rendering = null;
        if (conference is not null && latest is not null)
        {
            var view = await session.LoadFromAsync<RenderedDocument>(AgendaProjection.ProjectionName, AgendaProjection.RenderingId(slug, latest.Version, AgendaProjection.AgendaRendering(AgendaVariant.Full)), ct)
                ?? throw new InvalidOperationException($"The published agenda {slug} v{latest.Version} has no rendering.");
            var agenda = await session.LoadFromAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct) ?? AgendaState.Empty;
            var delegations = (await session.ListFromAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.Prefix(slug), ct)).Select(d => d.State).ToList();
            var agendaView = JsonSerializer.Deserialize<AgendaView>(view.Body, JsonOptions)!;
            var sequences = await session.LoadManyAsync<SessionSequences>(agendaView.AllSessions.Select(s => SessionSequences.DocumentId(slug, s.Id)), ct);
            rendering = new Rendering(session, options, conference, agendaView, agenda, delegations, sequences.ToDictionary(x => x.Key, x => x.Value));
        }

        cache[slug] = rendering;
        return rendering;
    }

    private sealed class Rendering(
        DocumentSession session, CalendarOptions options, ConferenceScheduled conference, AgendaView view, AgendaState agenda, IReadOnlyList<Delegation> delegations,
        Dictionary<string, SessionSequences> sequences)
    {
        private readonly HashSet<string> changedSequences = new(StringComparer.Ordinal);
        private readonly Dictionary<Guid, IReadOnlyList<Forum.Api.Delegations.Party>> tours = [];

        public ConferenceScheduled Conference => conference;

        public AgendaView View => view;

        public IReadOnlyList<Delegation> Delegations => delegations;

        /// <summary>The delegation's feed (sessions where a member holds a seat) and, when asked, each member's.</summary>
        public void RenderDelegation(Delegation delegation, Change change, bool members)
        {
            var active = delegation.Status == DelegationStatus.Active;
            bool Held(Member m, Guid sessionId) => active && m.IsActive && m.SeatIn(sessionId) is { Status: SeatStatus.Held };
            Store(FeedKeys.Delegation(delegation.Id), change, FeedKind.Delegation, FeedRenderer.Name(conference, FeedKind.Delegation, delegation.Party.Name),
                view.AllSessions.Where(s => delegation.Members.Any(m => Held(m, s.Id))));
            if (members)
            {
                foreach (var member in delegation.Members.Where(m => !m.Erased))
                {
                    Store(FeedKeys.Person(member.Id), change, FeedKind.Person, FeedRenderer.Name(conference, FeedKind.Person), view.AllSessions.Where(s => Held(member, s.Id)));
                }
            }
        }

        public void Store(string feedKey, Change change, FeedKind kind, string name, IEnumerable<SessionView> sessions)
        {
            var events = new List<(FeedEvent, SequenceState)>();
            foreach (var s in sessions)
            {
                if (FeedRenderer.EventOf(conference, s, kind, options, kind == FeedKind.Delegation ? TourOf(s) : null) is { } e)
                {
                    events.Add((e, Sequence(s.Id, kind, e, change.At)));
                }
            }

            var body = Encoding.UTF8.GetString(FeedRenderer.Render(conference, kind, name, events, options));
            FeedProjection.Store(session, feedKey, change.Stamp, body);
        }

        /// <summary>The speaking order in force now (delegations' floor requests and the session's fixed order), as parties.</summary>
        private IReadOnlyList<Forum.Api.Delegations.Party> TourOf(SessionView s)
        {
            if (s.Kind != SessionKind.Ministerial)
            {
                return [];
            }

            if (!tours.TryGetValue(s.Id, out var tour))
            {
                var fixedOrder = agenda.Sessions.TryGetValue(s.Id, out var state) ? state.SpeakingOrder ?? [] : [];
                tours[s.Id] = tour = SpeakingOrder.InForce(delegations, s.Id, fixedOrder).Select(t => t.Delegation.Party).ToList();
            }

            return tour;
        }

        /// <summary>The session's SEQUENCE in this kind of feed, raised (LAST-MODIFIED: the change's time) when what it shows changed.</summary>
        private SequenceState Sequence(Guid sessionId, FeedKind kind, FeedEvent e, Instant at)
        {
            var id = SessionSequences.DocumentId(conference.Slug, sessionId);
            var before = sequences.GetValueOrDefault(id);
            var next = SessionSequences.Next(before, kind, e, at);
            if (!ReferenceEquals(before, next))
            {
                sequences[id] = next;
                changedSequences.Add(id);
            }

            return next.Kinds[kind];
        }

        public void StoreSequences()
        {
            foreach (var id in changedSequences)
            {
                session.Store(id, sequences[id]);
            }
        }
    }

    private static void Store(DocumentSession session, string feedKey, long stamp, string body)
    {
        session.Store(FeedId(feedKey), new RenderedFeed(stamp, body));
        session.Store(FeedHead.DocumentId(feedKey), new FeedHead(stamp));
    }
}
