using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Notifications;

/// <summary>
/// Async (in the daemon): the mails that events cause, written to the outbox in the projection's transaction, so
/// that they commit with its checkpoint and each event yields its mails exactly once (a cause is unique in the
/// outbox, so a rebuild yields nothing twice). Registration received (with the access link), accreditation decided
/// (with an invitation when approved), moved up from a waiting list; an agenda publication opens or extends the
/// conference's digest window, which <see cref="DigestJob"/> closes after its quiet period. Mails are made from the
/// delegation as it stands now: a member erased or a delegation withdrawn meanwhile gets nothing.
/// </summary>
public sealed class MailProjection(MailComposer composer, PersonalDataVault vault, MailOutbox outbox, MailDigests digests, TimeProvider time) : IProjection
{
    public const string ProjectionName = "mail";

    /// <summary>
    /// Events older than this make no mail: the projection's first run on an existing database, or a rebuild, replays
    /// years of registrations that must not be mailed again. A daemon stopped longer than this loses those mails.
    /// </summary>
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(2);

    public string Name => ProjectionName;

    /// <summary>The causes of mails, the publications that open digests, and the registrations whose sealed access links are erased here.</summary>
    public IReadOnlyCollection<Type>? EventTypes { get; } =
        [typeof(DelegationRegistered), typeof(AccreditationDecided), typeof(MemberMovedUp), typeof(SeatMovedUp), typeof(AgendaPublished)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var recent = events.Where(e => now - e.RecordedAt < MaxEventAge).ToList();
        var causes = recent.Where(e => e.Data is DelegationRegistered or AccreditationDecided or MemberMovedUp or SeatMovedUp).ToList();
        foreach (var e in recent)
        {
            if (e.Data is AgendaPublished { Version: > 1 } published)
            {
                await digests.OpenAsync(session.Connection, session.Transaction, e.StreamId["agenda-".Length..], published.Version, published.PublishedAt, ct);
            }
        }

        // Every access token sealed for its mail is erased here, mailed or too old to be.
        var links = events.Select(e => e.Data).OfType<DelegationRegistered>().Select(r => r.AccessLink).OfType<Sealed>().ToList();
        if (causes.Count == 0)
        {
            await vault.EraseAsync(session.Connection, session.Transaction, links.Select(l => l.Subject).ToList(), ct);
            return;
        }

        var context = new Context(session, ct);
        foreach (var e in causes)
        {
            await context.DelegationAsync(DelegationOf(e.StreamId));
        }

        var opened = await vault.OpenAsync(
            context.Delegations.Values.OfType<DelegationDocument>().SelectMany(d => DelegationRenderer.SealedValues(d.State)).Concat(links), ct, session.Connection);
        var mails = new List<OutboxMail>();
        foreach (var e in causes)
        {
            if (await context.DelegationAsync(DelegationOf(e.StreamId)) is not { State.Status: DelegationStatus.Active } document
                || await context.ConferenceAsync(document.State.ConferenceSlug) is not { } conference)
            {
                continue;
            }

            var mail = e.Data switch
            {
                DelegationRegistered r => await RegistrationReceivedAsync(context, conference, document.State, r, opened),
                AccreditationDecided a => AccreditationMail(conference, document.State, a, opened, e),
                MemberMovedUp m => MovedUp(conference, document.State, m.MemberId, null, opened, e),
                SeatMovedUp s => MovedUp(conference, document.State, s.MemberId, await context.SessionAsync(conference.Slug, s.SessionId), opened, e),
                _ => null,
            };
            if (mail is not null)
            {
                mails.Add(mail);
            }
        }

        await outbox.EnqueueAsync(session.Connection, session.Transaction, mails, ct);

        // The access token was sealed only for this mail: with its key gone, it is nowhere in clear but in the focal point's mail.
        await vault.EraseAsync(session.Connection, session.Transaction, links.Select(l => l.Subject).ToList(), ct);
    }

    private async Task<OutboxMail?> RegistrationReceivedAsync(
        Context context, ConferenceScheduled conference, Delegation delegation, DelegationRegistered registered, PersonalDataVault.OpenedData opened)
    {
        if (opened.Open<ContactDetails>(delegation.FocalPoint) is not { } focal)
        {
            return null;
        }

        var texts = MailTexts.For(conference.Languages);
        var positions = delegation.ActiveMembers.Any(m => m.Place == PlaceStatus.Waiting) ? await context.WaitingPositionsAsync(conference.Slug) : [];
        var members = delegation.ActiveMembers.Select(m =>
        {
            var person = opened.Open<PersonalDetails>(m.Person);
            return new MemberLine(person?.Name ?? "—", person?.Function ?? "—", texts.Place(m.Place == PlaceStatus.Admitted, m.Ticket is { } t ? positions.GetValueOrDefault(t) : null));
        }).ToList();
        var token = opened.Open<TokenView>(registered.AccessLink)?.AccessToken;
        var text = texts.RegistrationReceived(conference.Title, focal.Name, delegation.Party.Name, members, token is null ? null : composer.Options.AccessLink(token, texts.Language));
        return composer.Outgoing(
            opened, delegation.FocalPoint.Subject, $"{MailKinds.RegistrationReceived}:{delegation.Id}", conference.Slug, delegation.Id, MailKinds.RegistrationReceived,
            new MailAddress(focal.Email, focal.Name), text, time);
    }

    private OutboxMail? AccreditationMail(ConferenceScheduled conference, Delegation delegation, AccreditationDecided decided, PersonalDataVault.OpenedData opened, StoredEvent e)
    {
        if (delegation.Find(decided.MemberId) is not { IsActive: true, Person: { } sealedPerson } member
            || opened.Open<PersonalDetails>(sealedPerson) is not { } person
            || decided.Decision == AccreditationStatus.Pending)
        {
            return null;
        }

        var texts = MailTexts.For(conference.Languages);
        var approved = decided.Decision == AccreditationStatus.Approved;
        var venue = $"{conference.Venue.Name}, {conference.Venue.City}";
        var text = approved
            ? texts.AccreditationApproved(conference.Title, person.Name, delegation.Party.Name, conference.FirstDay, conference.LastDay, venue)
            : texts.AccreditationRejected(conference.Title, person.Name, delegation.Party.Name, decided.Reason);
        var invitation = approved ? composer.Invitation(conference, member.Id, person.Name, person.Email, decided.DecidedAt) : null;
        return composer.Outgoing(
            opened, sealedPerson.Subject, Cause(MailKinds.AccreditationDecided, e), conference.Slug, delegation.Id, MailKinds.AccreditationDecided,
            new MailAddress(person.Email, person.Name), text, time, invitation is null ? null : [invitation]);
    }

    private OutboxMail? MovedUp(ConferenceScheduled conference, Delegation delegation, Guid memberId, SessionLine? session, PersonalDataVault.OpenedData opened, StoredEvent e)
    {
        if (opened.Open<ContactDetails>(delegation.FocalPoint) is not { } focal || delegation.Find(memberId) is not { IsActive: true } member)
        {
            return null;
        }

        var texts = MailTexts.For(conference.Languages);
        var name = opened.Open<PersonalDetails>(member.Person)?.Name ?? "—";
        var text = e.Data is SeatMovedUp
            ? texts.MovedUpToSeat(conference.Title, focal.Name, name, session ?? new SessionLine("—", default, default, "—"), conference.TimeZone)
            : texts.MovedUpToPlace(conference.Title, focal.Name, name);
        return composer.Outgoing(
            opened, delegation.FocalPoint.Subject, Cause(MailKinds.MovedUp, e), conference.Slug, delegation.Id, MailKinds.MovedUp, new MailAddress(focal.Email, focal.Name), text, time);
    }

    private static string Cause(string kind, StoredEvent e) => $"{kind}:{e.StreamId}:{e.StreamVersion}";

    private static Guid DelegationOf(string streamId) => Guid.Parse(streamId["delegation-".Length..]);

    /// <summary>What the batch's mails read from other projections, each loaded once.</summary>
    private sealed class Context(DocumentSession session, CancellationToken ct)
    {
        private readonly Dictionary<string, ConferenceScheduled?> conferences = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<long, long>> waiting = new(StringComparer.Ordinal);
        private readonly Dictionary<string, AgendaState?> agendas = new(StringComparer.Ordinal);

        public Dictionary<Guid, DelegationDocument?> Delegations { get; } = [];

        public async Task<DelegationDocument?> DelegationAsync(Guid id)
        {
            if (!Delegations.TryGetValue(id, out var document))
            {
                var where = await session.LoadFromAsync<DelegationLocation>(DelegationProjection.ProjectionName, DelegationLocation.DocumentId(id), ct);
                document = where is null ? null : await session.LoadFromAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.DocumentId(where.ConferenceSlug, id), ct);
                Delegations[id] = document;
            }

            return document;
        }

        public async Task<ConferenceScheduled?> ConferenceAsync(string slug)
        {
            if (!conferences.TryGetValue(slug, out var conference))
            {
                conference = await session.LoadFromAsync<ConferenceScheduled>(AgendaProjection.ProjectionName, AgendaProjection.ConferenceId(slug), ct);
                conferences[slug] = conference;
            }

            return conference;
        }

        /// <summary>Position on the conference's waiting list, by ticket.</summary>
        public async Task<Dictionary<long, long>> WaitingPositionsAsync(string slug)
        {
            if (!waiting.TryGetValue(slug, out var positions))
            {
                var line = await session.ListFromAsync<WaitingEntry>(DelegationProjection.ProjectionName, WaitingEntry.Prefix(slug), ct);
                positions = line.Select((w, i) => (w.Ticket, Position: (long)i + 1)).ToDictionary(x => x.Ticket, x => x.Position);
                waiting[slug] = positions;
            }

            return positions;
        }

        public async Task<SessionLine?> SessionAsync(string slug, Guid sessionId)
        {
            if (!agendas.TryGetValue(slug, out var agenda))
            {
                agenda = await session.LoadFromAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct);
                agendas[slug] = agenda;
            }

            if (agenda?.Sessions.GetValueOrDefault(sessionId) is not { } s)
            {
                return null;
            }

            var room = agenda.Rooms.FirstOrDefault(r => r.Id == s.Plan.RoomId)?.Name ?? "—";
            return new SessionLine(s.Plan.Title, s.Plan.Start, s.Plan.End, room, s.Status == SessionStatus.Cancelled);
        }
    }
}
