using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;
using Quartz;

namespace Forum.Api.Notifications;

/// <summary>
/// The mails that time causes rather than an event: agenda digests (when a window closes), the day-before reminders
/// and the progress-report deadlines. Each has a cause that names what it is about (member and day, party and year
/// and threshold), so a job that runs twice, or on two processes, finds the cause taken and sends nothing twice.
/// Causes already in the outbox are looked up first, so a job that runs every minute composes each mail once.
/// </summary>
public sealed class MailNotices(
    EventStore.EventStore store, AgendaService agenda, ConferenceService conferences, PersonalDataVault vault, MailComposer composer, MailOutbox outbox, MailOptOuts optOuts,
    IOptions<NotificationOptions> options, TimeProvider time)
{
    private const string Agenda = AgendaProjection.ProjectionName;
    private const string Delegations = DelegationProjection.ProjectionName;

    public NotificationOptions Options => options.Value;

    public Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyCollection<OutboxMail> mails, CancellationToken ct) =>
        outbox.EnqueueAsync(connection, tx, mails, ct);

    /// <summary>One digest per member holding a seat in a session that changed between the two published versions.</summary>
    public async Task<IReadOnlyList<OutboxMail>> DigestsAsync(string slug, int from, int to, CancellationToken ct)
    {
        var conference = await store.Documents.LoadAsync<ConferenceScheduled>(Agenda, AgendaProjection.ConferenceId(slug), ct);
        var before = await agenda.PublishedViewAsync(slug, from, AgendaVariant.Full, ct);
        var after = await agenda.PublishedViewAsync(slug, to, AgendaVariant.Full, ct);
        if (conference is null || before is null || after is null)
        {
            return [];
        }

        var changes = AgendaDiff.Between(before, after).Sessions.ToDictionary(c => c.SessionId);
        var seated = await SeatedAsync(slug, changes.Keys.ToHashSet(), ct);
        var texts = MailTexts.For(conference.Languages);
        return await ComposeAsync(seated, MailOptOuts.AgendaChanges, m => $"{MailKinds.AgendaDigest}:{slug}:{from}-{to}:{m.Member.Id}", (m, person, unsubscribe) =>
        {
            var lines = m.Sessions.Select(id => changes[id]).Select(c => new SessionChangeLine(
                c.Title, c.Changes.Select(code => texts.Change(code, Line(c.Before), Line(c.After), conference.TimeZone)).ToList())).ToList();
            return (MailKinds.AgendaDigest, texts.AgendaDigest(conference.Title, person.Name, to, lines, Options.AgendaLink(slug, texts.Language), unsubscribe));
        }, slug, ct);
    }

    /// <summary>
    /// Reminders due now: for each conference under way, the day whose reminder time (18:00 local, the day before)
    /// has passed and whose sessions have not begun; one mail per member listing their sessions of that day.
    /// </summary>
    public async Task<int> RemindAsync(CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var total = 0;
        foreach (var conference in await conferences.ListAsync(ct))
        {
            if (conference.Status is ConferenceStatus.Draft or ConferenceStatus.Cancelled or ConferenceStatus.Concluded)
            {
                continue;
            }

            var zone = DateTimeZoneProviders.Tzdb[conference.TimeZone];
            var today = now.InZone(zone).Date;
            if (today < conference.FirstDay.PlusDays(-1) || today > conference.LastDay)
            {
                continue;
            }

            var latest = await store.Documents.LoadAsync<PublishedVersion>(Agenda, AgendaProjection.LatestId(conference.Slug), ct);
            var view = latest is null ? null : await agenda.PublishedViewAsync(conference.Slug, latest.Version, AgendaVariant.Full, ct);
            if (view is null)
            {
                continue;
            }

            foreach (var day in new[] { today, today.PlusDays(1) })
            {
                var due = zone.AtLeniently(day.PlusDays(-1).At(LocalTime.FromTicksSinceMidnight(Options.ReminderTime.Ticks))).ToInstant();
                var sessions = view.AllSessions.Where(s => s.Start.Date == day && s.Status != SessionStatus.Cancelled).ToDictionary(s => s.Id);
                if (now < due || sessions.Count == 0)
                {
                    continue;
                }

                var seated = (await SeatedAsync(conference.Slug, sessions.Keys.ToHashSet(), ct))
                    .Where(m => m.Sessions.Min(id => sessions[id].StartUtc) > now).ToList();
                var texts = MailTexts.For(conference.Languages);
                var mails = await ComposeAsync(seated, MailOptOuts.Reminders, m => $"{MailKinds.Reminder}:{conference.Slug}:{day:yyyy-MM-dd}:{m.Member.Id}", (m, person, unsubscribe) =>
                {
                    var lines = m.Sessions.Select(id => Line(sessions[id])!).OrderBy(s => s.Start).ToList();
                    return (MailKinds.Reminder, texts.Reminder(conference.Title, person.Name, day, lines, conference.TimeZone, unsubscribe));
                }, conference.Slug, ct);
                total += await SaveAsync(mails, ct);
            }
        }

        return total;
    }

    /// <summary>
    /// Progress-report reminders: 30 days before a year's deadline, and again 7 days before, to the focal point of each
    /// party bound by the declaration that year whose report is still missing (the delegation through which it signed).
    /// </summary>
    public async Task<int> ReportDeadlinesAsync(CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var total = 0;
        foreach (var document in await store.Documents.ListAsync<DeclarationDocument>(DeclarationProjection.ProjectionName, "declaration/", ct))
        {
            var declaration = document.State;
            if (!declaration.IsAdopted)
            {
                continue;
            }

            var zone = declaration.Zone;
            for (var year = declaration.AdoptedAt!.Value.InZone(zone).Year; year <= now.InZone(zone).Year; year++)
            {
                var deadline = declaration.ReportingDeadline(year);
                var left = deadline - now;
                int? threshold = left <= Duration.Zero ? null : left <= Duration.FromDays(7) ? 7 : left <= Duration.FromDays(30) ? 30 : null;
                if (threshold is not { } days)
                {
                    continue;
                }

                var figures = await store.Documents.LoadAsync<YearFigures>(DeclarationProjection.ProjectionName, YearFigures.DocumentId(declaration.Id, year), ct);
                var missing = declaration.Signatories.Values
                    .Where(s => s.IsBoundOn(new LocalDate(year, 12, 31)) && s.IsBound && figures?.Reports.ContainsKey(s.Party.Key) != true)
                    .ToList();
                var recipients = new List<(Signatory Signatory, Delegation Delegation, string Cause)>();
                foreach (var signatory in missing)
                {
                    var delegationId = signatory.Acts.Last(a => a.Kind != SignatoryAct.Withdrawal).DelegationId;
                    var where = await store.Documents.LoadAsync<DelegationLocation>(Delegations, DelegationLocation.DocumentId(delegationId), ct);
                    var delegation = where is null ? null : await store.Documents.LoadAsync<DelegationDocument>(Delegations, DelegationDocument.DocumentId(where.ConferenceSlug, delegationId), ct);
                    if (delegation is not null)
                    {
                        recipients.Add((signatory, delegation.State, $"{MailKinds.ReportDeadline}:{declaration.Id}:{year}:{signatory.Party.Key}:{days}"));
                    }
                }

                var existing = await outbox.ExistingCausesAsync(recipients.Select(r => r.Cause), ct);
                recipients.RemoveAll(r => existing.Contains(r.Cause));
                var opened = await vault.OpenAsync(recipients.Select(r => (Sealed?)r.Delegation.FocalPoint), ct);
                var conference = await store.Documents.LoadAsync<ConferenceScheduled>(Agenda, AgendaProjection.ConferenceId(declaration.ConferenceSlug), ct);
                var texts = MailTexts.For(conference?.Languages ?? []);
                var deadlineDay = deadline.InZone(zone).Date.PlusDays(-1);
                var mails = new List<OutboxMail>();
                foreach (var (signatory, delegation, cause) in recipients)
                {
                    if (opened.Open<ContactDetails>(delegation.FocalPoint) is { } focal
                        && composer.Outgoing(
                            opened, delegation.FocalPoint.Subject, cause, declaration.ConferenceSlug, delegation.Id, MailKinds.ReportDeadline, new MailAddress(focal.Email, focal.Name),
                            texts.ReportDeadline(declaration.Text.Title, focal.Name, signatory.Party.Name, year, deadlineDay, (int)Math.Ceiling(left.TotalDays)), time) is { } mail)
                    {
                        mails.Add(mail);
                    }
                }

                total += await SaveAsync(mails, ct);
            }
        }

        return total;
    }

    /// <summary>A member holding a seat in some of the given sessions, with those sessions.</summary>
    private sealed record SeatedMember(Delegation Delegation, Member Member, IReadOnlyList<Guid> Sessions);

    private async Task<List<SeatedMember>> SeatedAsync(string slug, HashSet<Guid> sessions, CancellationToken ct)
    {
        if (sessions.Count == 0)
        {
            return [];
        }

        var delegations = await store.Documents.ListAsync<DelegationDocument>(Delegations, DelegationDocument.Prefix(slug), ct);
        return delegations
            .Where(d => d.State.Status == DelegationStatus.Active)
            .SelectMany(d => d.State.ActiveMembers.Where(m => !m.Erased).Select(m => new SeatedMember(
                d.State, m, m.SeatList.Where(s => s.Status == SeatStatus.Held && sessions.Contains(s.SessionId)).Select(s => s.SessionId).ToList())))
            .Where(m => m.Sessions.Count > 0)
            .ToList();
    }

    private async Task<IReadOnlyList<OutboxMail>> ComposeAsync(
        IReadOnlyList<SeatedMember> members, string list, Func<SeatedMember, string> cause, Func<SeatedMember, PersonalDetails, string, (string Kind, MailText Text)> compose,
        string slug, CancellationToken ct)
    {
        var existing = await outbox.ExistingCausesAsync(members.Select(cause), ct);
        var optedOut = await optOuts.OptedOutAsync(members.Select(m => m.Member.Id), list, ct);
        var wanted = members.Where(m => !existing.Contains(cause(m)) && !optedOut.Contains(m.Member.Id)).ToList();
        var opened = await vault.OpenAsync(wanted.Select(m => m.Member.Person), ct);
        var mails = new List<OutboxMail>();
        foreach (var m in wanted)
        {
            if (opened.Open<PersonalDetails>(m.Member.Person) is not { } person)
            {
                continue;
            }

            var unsubscribe = Options.UnsubscribeLink(optOuts.Token(m.Member.Id, list));
            var (kind, text) = compose(m, person, unsubscribe);
            if (composer.Outgoing(opened, m.Member.Person!.Subject, cause(m), slug, m.Delegation.Id, kind, new MailAddress(person.Email, person.Name), text, time, unsubscribeUrl: unsubscribe) is { } mail)
            {
                mails.Add(mail);
            }
        }

        return mails;
    }

    private async Task<int> SaveAsync(IReadOnlyCollection<OutboxMail> mails, CancellationToken ct)
    {
        if (mails.Count == 0)
        {
            return 0;
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await outbox.EnqueueAsync(connection, tx, mails, ct);
        await tx.CommitAsync(ct);
        return mails.Count;
    }

    private static SessionLine? Line(SessionView? s) =>
        s is null ? null : new SessionLine(s.Title, s.Start, s.End, s.RoomName, s.Status == SessionStatus.Cancelled);
}

/// <summary>The day-before reminders (every minute; a missed run catches up, until the sessions begin).</summary>
[DisallowConcurrentExecution]
public sealed class ReminderJob(MailNotices notices) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await notices.RemindAsync(cancellationToken);
}

/// <summary>The progress-report deadline reminders (hourly; a missed run catches up while the deadline is ahead).</summary>
[DisallowConcurrentExecution]
public sealed class ReportDeadlineJob(MailNotices notices) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await notices.ReportDeadlinesAsync(cancellationToken);
}
