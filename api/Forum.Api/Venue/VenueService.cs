using System.Collections.Concurrent;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using NodaTime;

namespace Forum.Api.Venues;

/// <summary>
/// Badges, check-in and the list of participants. Delegations are read through <see cref="DelegationService"/> and the
/// documents of <see cref="DelegationProjection"/>; badges and check-ins have streams of their own, one per member
/// (<c>badge-{memberId}</c>, <c>checkin-{memberId}</c>), so that scans of different members never wait on each other.
/// </summary>
public sealed class VenueService(EventStore.EventStore store, EventStreamWriter writer, DelegationService delegations, BadgeSigningKeys keys, CheckInBatches batches, CheckInRoster roster, PersonalDataVault vault, TimeProvider time)
{
    public const int MaxBatch = 1000;
    private const int MaxText = 100;
    private const int MaxCode = 1000;

    /// <summary>How far ahead of the server's clock a scanner's clock may run.</summary>
    private static readonly Duration ClockSkew = Duration.FromMinutes(5);

    // Conferences never disappear (a cancelled one is still there): once seen, a slug needs no lookup on the hot path.
    private readonly ConcurrentDictionary<string, bool> knownConferences = new(StringComparer.Ordinal);

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>The badge of a participant: issued (serial 1) the first time it is asked for, signed with the conference's key.</summary>
    public Task<BadgeView> BadgeAsync(Guid id, Guid memberId, string actor, CancellationToken ct) =>
        BadgeAsync(id, memberId, (d, m, slug) => new BadgeCommand.Issue(m, d, slug), actor, ct);

    /// <summary>A new serial for the member's badge: from now on only the new badge's code admits the member.</summary>
    public Task<BadgeView> ReissueAsync(Guid id, Guid memberId, string actor, CancellationToken ct) =>
        BadgeAsync(id, memberId, (d, m, slug) => new BadgeCommand.Reissue(m, d, slug), actor, ct);

    private async Task<BadgeView> BadgeAsync(Guid id, Guid memberId, Func<Guid, Guid, string, BadgeCommand> command, string actor, CancellationToken ct)
    {
        var delegation = await delegations.GetAsync(id, ct) ?? throw ProblemException.NotFound("such delegation");
        var member = delegation.Members.FirstOrDefault(m => m.Id == memberId) ?? throw ProblemException.NotFound("such member");
        Participation.RequireBadgeHolder(delegation, member);
        var conference = await ConferenceAsync(delegation.ConferenceSlug, ct);
        return await BadgeAsync(conference, delegation, member, command, actor, ct);
    }

    /// <summary>
    /// The badges of every participant of the conference (or of one of its delegations), in protocol order, for a sheet
    /// to print: each issued (serial 1) the first time, as a single badge is. Erased members get none (a badge names its holder).
    /// </summary>
    public async Task<IReadOnlyList<BadgeView>> BadgesAsync(string slug, Guid? delegationId, string actor, CancellationToken ct)
    {
        var conference = await ConferenceAsync(slug, ct);
        var views = delegationId is { } id
            ? [await delegations.GetAsync(id, ct) is { } one && one.ConferenceSlug == slug ? one : throw ProblemException.NotFound("such delegation")]
            : await delegations.ListAsync(slug, ct);
        var holders = ProtocolOrder.ByParty(views, d => d.Party)
            .SelectMany(d => d.Members
                .Where(m => !m.Erased && Participation.IsParticipant(d.Status, m.Status, m.Accreditation.Status, m.Place.Status))
                .OrderBy(m => m.IsHead ? 0 : 1).ThenBy(m => m.Rank)
                .Select(m => (Delegation: d, Member: m)))
            .ToList();
        var badges = new List<BadgeView>(holders.Count);
        foreach (var (d, m) in holders)
        {
            badges.Add(await BadgeAsync(conference, d, m, (dl, mb, s) => new BadgeCommand.Issue(mb, dl, s), actor, ct));
        }

        return badges;
    }

    private async Task<BadgeView> BadgeAsync(Conference conference, DelegationView delegation, MemberView member, Func<Guid, Guid, string, BadgeCommand> command, string actor, CancellationToken ct)
    {
        var (id, memberId) = (delegation.Id, member.Id);
        Badge badge;
        try
        {
            badge = (await writer.HandleAsync(BadgeDecider.Instance, Badge.StreamId(memberId), command(id, memberId, conference.Slug), actor, null, ct: ct)).State!;
        }
        catch (ConcurrencyException)
        {
            // Another request issued the first badge at the same moment: fold again, and decide on what it wrote.
            badge = (await writer.HandleAsync(BadgeDecider.Instance, Badge.StreamId(memberId), command(id, memberId, conference.Slug), actor, null, ct: ct)).State!;
        }

        var key = await keys.GetOrCreateAsync(conference.Slug, ct);
        var claim = new BadgeClaim(conference.Slug, id, memberId, badge.Serial);
        var payload = BadgeCodes.Payload(claim);
        return new BadgeView(
            id, memberId, conference.Slug, conference.Details.Title, delegation.Party, member.Name!, member.Function!, member.Rank, member.IsHead, badge.Serial,
            BadgeCodes.Format(payload, key.Sign(payload)), key.KeyId);
    }

    /// <summary>The conference's badge-signing public key (made now if it has none), for scanners that verify offline.</summary>
    public async Task<JsonWebKey> PublicKeyAsync(string slug, CancellationToken ct)
    {
        var conference = await ConferenceAsync(slug, ct);
        return (await keys.GetOrCreateAsync(conference.Slug, ct)).Jwk;
    }

    /// <summary>
    /// Checks a member in from a scanned badge code: the code is checked here (its fields, the signature with this
    /// conference's key), then the scan joins its conference's next batch (<see cref="CheckInBatches"/>), where the
    /// serial (the current badge's) and the member (still a participant, not erased) are checked and the check-in is
    /// written: the member's check-in stream is started only if it does not exist yet. When it exists the member was
    /// checked in already, and the scan is answered with that first check-in (as the first time, if it is the same scan
    /// resent).
    /// </summary>
    public async Task<CheckInView> CheckInAsync(string slug, ScanRequest? scan, string actor, CancellationToken ct)
    {
        var pending = await PrepareAsync(slug, scan, actor, ct);
        batches.Enqueue(slug, [pending]);
        return await pending.Outcome.Task;
    }

    /// <summary>
    /// Scans made offline, answered one by one in the order of the request. They are decided in the order they were
    /// scanned (queued in that order, in the same batches as live scans), so that of two scans of one member the earlier
    /// counts; each keeps its scan time, and its event records when it arrived.
    /// </summary>
    public async Task<ScanBatchView> CheckInBatchAsync(string slug, ScanBatchRequest request, string actor, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(request.Scans is { Count: > 0 and <= MaxBatch }, "scans", $"Send 1 to {MaxBatch} scans.");
        v.ThrowIfInvalid();
        await RequireConferenceAsync(slug, ct);
        var scans = request.Scans!;
        var outcomes = new ScanOutcome[scans.Count];
        var queued = new List<(int Index, PendingScan Scan)>();
        foreach (var i in Enumerable.Range(0, scans.Count).OrderBy(i => scans[i]?.ScannedAt ?? Instant.MaxValue))
        {
            try
            {
                queued.Add((i, await PrepareAsync(slug, scans[i], actor, ct)));
            }
            catch (ProblemException refused)
            {
                outcomes[i] = Refused(i, scans[i], refused);
            }
        }

        batches.Enqueue(slug, queued.Select(q => q.Scan).ToList());
        foreach (var (i, pending) in queued)
        {
            try
            {
                outcomes[i] = new ScanOutcome(i, scans[i]?.ScanId, StatusCodes.Status200OK, await pending.Outcome.Task);
            }
            catch (ProblemException refused)
            {
                outcomes[i] = Refused(i, scans[i], refused);
            }
        }

        return new ScanBatchView(
            scans.Count,
            outcomes.Count(o => o.CheckIn?.Result == CheckInResult.CheckedIn),
            outcomes.Count(o => o.CheckIn?.Result == CheckInResult.AlreadyCheckedIn),
            outcomes.Count(o => o.CheckIn is null),
            outcomes);
    }

    private static ScanOutcome Refused(int index, ScanRequest? scan, ProblemException refused) =>
        new(index, scan?.ScanId, refused.Status, Code: refused.Code, Detail: refused.Message);

    /// <summary>What needs no batch: the scan's fields, the conference, and the code's signature (CPU, on the request's own thread).</summary>
    private async Task<PendingScan> PrepareAsync(string slug, ScanRequest? scan, string actor, CancellationToken ct)
    {
        var (code, scanId, scannedAt, gate, reason) = Validate(scan);
        await RequireConferenceAsync(slug, ct);
        var claim = await VerifyAsync(slug, code, ct);
        return new PendingScan(claim, scanId, scannedAt ?? Now, gate, EventMetadata.For(actor), scan!.Admitted == true, reason);
    }

    /// <summary>The roster for offline scanners: everything, or what changed since a cursor of an earlier answer (<see cref="CheckInRoster"/>).</summary>
    public async Task<RosterView> RosterAsync(string slug, string? since, CancellationToken ct)
    {
        (string Snapshot, long Xmin)? cursor = since is null ? null : RosterCursor.Parse(since);
        await ConferenceAsync(slug, ct);
        return await roster.ReadAsync(slug, cursor, ct);
    }

    /// <summary>Participants and how many of them are checked in, by kind of party and by day (in the conference's time zone).</summary>
    public async Task<CheckInSummary> SummaryAsync(string slug, CancellationToken ct)
    {
        var conference = await ConferenceAsync(slug, ct);
        var documents = await store.Documents.ListAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.Prefix(slug), ct);
        var checkIns = await CheckInsAsync(slug, ct);
        var participants = documents
            .SelectMany(d => d.State.Members.Where(m => Participation.IsParticipant(d.State, m)).Select(m => (d.State.Party.Kind, CheckIn: checkIns.GetValueOrDefault(m.Id))))
            .ToList();
        var zone = conference.Zone;
        return new CheckInSummary(
            slug,
            conference.Details.TimeZone,
            participants.Count,
            participants.Count(p => p.CheckIn is not null),
            participants.GroupBy(p => p.Kind).OrderBy(g => ProtocolOrder.KindOrder(g.Key))
                .Select(g => new KindCount(g.Key, g.Count(), g.Count(p => p.CheckIn is not null))).ToList(),
            participants.Where(p => p.CheckIn is not null).GroupBy(p => p.CheckIn!.ScannedAt.InZone(zone).Date).OrderBy(g => g.Key)
                .Select(g => new DayCount(g.Key, g.Count())).ToList(),
            participants.Where(p => p.CheckIn is not null).GroupBy(p => p.CheckIn!.Gate).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new GateCount(g.Key, g.Count())).ToList(),
            await NeedsALookAsync(slug, documents.Select(d => d.State).ToList(), checkIns, ct));
    }

    /// <summary>Scans that admitted a member already checked in (a badge let in at two gates), in scan order, with the first check-in beside them.</summary>
    private async Task<IReadOnlyList<AdmittedAgain>> NeedsALookAsync(string slug, IReadOnlyList<Delegation> delegations, Dictionary<Guid, CheckInRecord> checkIns, CancellationToken ct)
    {
        var again = await store.Documents.ListAsync<AdmittedAgainRecord>(VenueProjection.ProjectionName, AdmittedAgainRecord.Prefix(slug), ct);
        if (again.Count == 0)
        {
            return [];
        }

        var byId = delegations.ToDictionary(d => d.Id);
        var flagged = again.Select(a => (Again: a, Delegation: byId.GetValueOrDefault(a.DelegationId), Member: byId.GetValueOrDefault(a.DelegationId)?.Find(a.MemberId))).ToList();
        var names = await vault.OpenAsync(flagged.Select(f => f.Member?.Person), ct);
        return flagged.OrderBy(f => f.Again.ScannedAt).Select(f =>
        {
            var first = checkIns.GetValueOrDefault(f.Again.MemberId);
            return new AdmittedAgain(
                f.Again.MemberId, f.Again.DelegationId, f.Delegation?.Party.Name ?? "", f.Again.PartyKind, names.Open<PersonalDetails>(f.Member?.Person)?.Name,
                f.Again.ScanId, f.Again.ScannedAt, f.Again.Gate, first?.ScannedAt, first?.Gate);
        }).ToList();
    }

    /// <summary>Every participant in protocol order, with whether (and when, and where) they checked in.</summary>
    public async Task<(Conference Conference, IReadOnlyList<ParticipantRow> Rows)> ParticipantsAsync(string slug, CancellationToken ct)
    {
        var conference = await ConferenceAsync(slug, ct);
        var views = await delegations.ListAsync(slug, ct);
        var checkIns = await CheckInsAsync(slug, ct);
        var rows = views.SelectMany(d => d.Members
            .Where(m => Participation.IsParticipant(d.Status, m.Status, m.Accreditation.Status, m.Place.Status))
            .Select(m =>
            {
                var checkIn = checkIns.GetValueOrDefault(m.Id);
                return new ParticipantRow(d.Id, m.Id, d.Party.Name, d.Party.Kind, m.Name, m.Function, m.Rank, m.IsHead, m.Erased, checkIn?.ScannedAt, checkIn?.Gate, m.Email);
            }));
        return (conference, ProtocolOrder.Sort(rows));
    }

    private async Task<Dictionary<Guid, CheckInRecord>> CheckInsAsync(string slug, CancellationToken ct) =>
        (await store.Documents.ListAsync<CheckInRecord>(VenueProjection.ProjectionName, CheckInRecord.Prefix(slug), ct)).ToDictionary(c => c.MemberId);

    private async Task<BadgeClaim> VerifyAsync(string slug, string code, CancellationToken ct)
    {
        if (!BadgeCodes.TryParse(code, out var claim, out var payload, out var signature))
        {
            throw BadgeCodes.Invalid();
        }

        // Verified with the key of the conference the code names: a genuine badge of another conference is told apart from a forgery.
        var key = await keys.FindAsync(claim.ConferenceSlug, ct);
        if (key is null || !key.Verify(payload, signature))
        {
            throw BadgeCodes.Invalid();
        }

        if (claim.ConferenceSlug != slug)
        {
            throw ProblemException.Unprocessable(
                "badge_other_conference",
                $"This badge is genuine, but for another conference ({claim.ConferenceSlug}).",
                new Dictionary<string, object?> { ["badgeConference"] = claim.ConferenceSlug });
        }

        return claim;
    }

    /// <summary>The conference as delegations see it (its places document); a 404 for one that does not exist or is a draft.</summary>
    private async Task<Conference> ConferenceAsync(string slug, CancellationToken ct)
    {
        var places = await store.Documents.LoadAsync<Places>(DelegationProjection.ProjectionName, Places.DocumentId(slug), ct);
        return places is { Conference.Status: not ConferenceStatus.Draft }
            ? places.Conference
            : throw ProblemException.NotFound($"conference '{slug}'");
    }

    private async Task RequireConferenceAsync(string slug, CancellationToken ct)
    {
        if (!knownConferences.ContainsKey(slug))
        {
            await ConferenceAsync(slug, ct);
            knownConferences.TryAdd(slug, true);
        }
    }

    private (string Code, string? ScanId, Instant? ScannedAt, string? Gate, string? Reason) Validate(ScanRequest? scan)
    {
        var v = new Validator();
        v.Require(scan is not null, "scan", "A scan has the badge's code, and may have a scan id, the scan time and the gate.");
        v.ThrowIfInvalid();
        var code = scan!.Code?.Trim();
        v.Require(!string.IsNullOrEmpty(code) && code.Length <= MaxCode, "code", "Give the code read from the badge's QR code.");
        var scanId = Optional(v, "scanId", scan.ScanId);
        var gate = Optional(v, "gate", scan.Gate);
        var reason = Optional(v, "reason", scan.Reason);
        v.Require(scan.ScannedAt is null || scan.ScannedAt <= Now + ClockSkew, "scannedAt", "The scan time is in the future: check the scanner's clock.");
        // A second admission is kept once per scan: without its id a resent scan could not be told from another one.
        v.Require(scan.Admitted != true || scanId is not null, "scanId", "A scan the scanner admitted needs its scan id.");
        v.ThrowIfInvalid();
        return (code!, scanId, scan.ScannedAt, gate, reason);
    }

    private static string? Optional(Validator v, string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = value.Trim();
        var ok = text.Length is > 0 and <= MaxText && !text.Any(char.IsControl);
        v.Require(ok, field, $"Give a text of 1 to {MaxText} characters, without control characters, or leave it out.");
        return ok ? text : null;
    }
}
