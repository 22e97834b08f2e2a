using System.Collections.Concurrent;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using NodaTime;
using Npgsql;

namespace Forum.Api.Delegations;

public sealed record PartyRequest(string? Kind, string? Code, string? Name);

public sealed record ContactRequest(string? Name, string? Email);

public sealed record MemberRequest(string? Name, string? Function, string? Rank, string? Email, bool? IsHead, bool? HasFullPowers);

public sealed record RegisterDelegationRequest(PartyRequest? Party, ContactRequest? FocalPoint, IReadOnlyList<MemberRequest?>? Members);

public sealed record WithdrawDelegationRequest(string? Reason);

public sealed record AccreditationRequest(string? Decision, string? Reason);

public sealed record FullPowersRequest(bool? Confirmed, string? Reason);

public sealed record SeatsRequest(Guid? SessionId, IReadOnlyList<Guid>? MemberIds, bool? RequestsFloor);

public sealed record SpeakingOrderRequest(IReadOnlyList<Guid>? DelegationIds);

/// <summary>
/// A registration's first answer as kept for its Idempotency-Key: the delegation's version right after it registered
/// (folding its stream that far gives the same delegation again), the waiting positions it was told, and the token,
/// sealed. Nothing personal is stored here, so erasure reaches replays through the events.
/// </summary>
public sealed record StoredRegistration(Guid DelegationId, long Version, Dictionary<long, long> Positions, Sealed AccessToken);

/// <summary>
/// The delegation commands and reads, used alike by the endpoints and the demo seeding. Every write takes the
/// conference's lock (the conference stream's own), so that places, the waiting list and the one-party rule are
/// decided by one writer at a time, in every process, and commit in that order.
/// </summary>
public sealed class DelegationService(EventStore.EventStore store, PersonalDataVault vault, IdempotencyKeys idempotency, IMailDeliverability deliverability, TimeProvider time)
{
    /// <summary>The actor of moves up the waiting list in delegations other than the one whose change freed the place.</summary>
    public const string WaitingListActor = "system:waiting-list";

    /// <summary>At most this many registrations are decided in one transaction.</summary>
    private const int MaxBatch = 100;

    // Writers of one conference queue here in memory before they take a pooled connection to queue on its lock.
    private readonly KeyedGate gates = new();
    private readonly ConcurrentDictionary<string, RegistrationQueue> queues = new(StringComparer.Ordinal);

    private const int MaxText = 200;
    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();

    public static string NewAccessToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether a text has the shape of a token we issue (43 base64url characters: 256 bits), before any look-up.</summary>
    public static bool IsTokenShaped(string token) => token.Length == 43 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// Registers a delegation. Registrations to one conference that arrive together are decided one by one, in the
    /// order they queued, under the conference's lock, and committed together (one transaction, one flush to disk):
    /// the lock is what makes places and parties right, and batching is what lets a burst through it quickly.
    /// </summary>
    public async Task<DelegationView> RegisterAsync(string slug, RegisterDelegationRequest request, string? idempotencyKey, string actor, CancellationToken ct)
    {
        var (party, focalPoint, members) = Validate(request);
        var requestHash = idempotencyKey is null ? null : idempotency.HashRequest(request);

        // A retry of a finished request answers at once, without queueing (it is looked up again under the lock).
        if (idempotencyKey is not null)
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            if (await idempotency.FindAsync(connection, RegistrationScope(slug), idempotencyKey, requestHash!, ct) is { } earlier)
            {
                return await ReplayAsync(earlier, connection, ct);
            }
        }

        // Everything that needs no lock is prepared before queueing: keys, sealing, the token.
        var focalKey = PersonalDataVault.NewKey(Guid.CreateVersion7());
        var keys = new List<SubjectKey> { focalKey };
        var newMembers = members.Select(m =>
        {
            var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
            keys.Add(key);
            return m.ToNewMember(key);
        }).ToList();
        var token = NewAccessToken();
        var linkKey = PersonalDataVault.NewKey(Guid.CreateVersion7());
        keys.Add(linkKey);
        var pending = new PendingRegistration(
            Guid.CreateVersion7(), party, PersonalDataVault.Seal(focalKey, focalPoint), keys, newMembers, HashToken(token), PersonalDataVault.Seal(focalKey, new TokenView(token)),
            PersonalDataVault.Seal(linkKey, new TokenView(token)), idempotencyKey, requestHash, EventMetadata.For(actor));
        var queue = queues.GetOrAdd(slug, _ => new RegistrationQueue());
        queue.Items.Enqueue(pending);
        if (Interlocked.CompareExchange(ref queue.Draining, 1, 0) == 0)
        {
            // One loop per conference decides what queued, batch after batch, until the queue is empty.
            _ = Task.Run(() => DrainAsync(slug, queue), CancellationToken.None);
        }

        var (view, replay) = await pending.Outcome.Task;

        // A retry (of an earlier request, or of one in the same batch): answer as the first was answered, outside the lock.
        if (replay is null)
        {
            return view!;
        }

        await using var replayConnection = await store.DataSource.OpenConnectionAsync(ct);
        return await ReplayAsync(replay, replayConnection, ct);
    }

    private static string RegistrationScope(string slug) => "register-delegation:" + slug;

    private async Task DrainAsync(string slug, RegistrationQueue queue)
    {
        while (true)
        {
            while (!queue.Items.IsEmpty)
            {
                var batch = new List<PendingRegistration>();
                while (batch.Count < MaxBatch && queue.Items.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                try
                {
                    // The gate keeps this process's other writes to the conference from queueing on its lock meanwhile.
                    using (await gates.EnterAsync(slug, CancellationToken.None))
                    {
                        await DecideRegistrationsAsync(slug, batch, CancellationToken.None);
                    }
                }
                catch (Exception e)
                {
                    foreach (var pending in batch)
                    {
                        pending.Outcome.TrySetException(e);
                    }
                }
            }

            // Stop, unless something queued between the last look and now and no other loop has started for it.
            Volatile.Write(ref queue.Draining, 0);
            if (queue.Items.IsEmpty || Interlocked.CompareExchange(ref queue.Draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>A conference's registrations waiting to be decided; Draining is 1 while a loop decides them.</summary>
    private sealed class RegistrationQueue
    {
        public readonly ConcurrentQueue<PendingRegistration> Items = new();

        public int Draining;
    }

    private async Task DecideRegistrationsAsync(string slug, IReadOnlyList<PendingRegistration> batch, CancellationToken ct)
    {
        var scope = RegistrationScope(slug);
        var decided = new List<(PendingRegistration Pending, DelegationDocument Document, StoredRegistration Stored)>();
        var retries = new List<(PendingRegistration Pending, PendingRegistration First)>();
        await using (var tx = await store.BeginAsync([Conference.StreamId(slug)], ct))
        {
            var (places, taken) = await PlacesAsync(tx, slug, batch.Select(p => PartyRegistration.DocumentId(slug, p.Party)), ct);
            var conference = places.Conference;
            var answered = await idempotency.FindManyAsync(tx, scope, batch.Select(p => p.IdempotencyKey).OfType<string>().Distinct().ToList(), ct);
            var firsts = new Dictionary<string, PendingRegistration>(StringComparer.Ordinal);
            var appends = new List<StreamAppend>();
            var answers = new List<(string Key, IdempotentAnswer Answer)>();
            foreach (var p in batch)
            {
                try
                {
                    if (p.IdempotencyKey is { } key && answered.TryGetValue(key, out var earlier))
                    {
                        p.Outcome.TrySetResult((null, IdempotencyKeys.Check(earlier, p.RequestHash!)));
                        continue;
                    }

                    if (p.IdempotencyKey is { } same && firsts.TryGetValue(same, out var first))
                    {
                        IdempotencyKeys.RequireSameRequest(first.RequestHash!, p.RequestHash!);
                        retries.Add((p, first));
                        continue;
                    }

                    var partyId = PartyRegistration.DocumentId(slug, p.Party);
                    var events = DelegationDecider.Instance.Decide(
                        new DelegationCommand.Register(p.Id, conference, places, p.Party, taken.Contains(partyId), p.FocalPoint, p.AccessTokenHash, p.Members, Now, p.AccessLink), null);
                    var waitingBefore = places.Waiting;
                    places = events.Aggregate(places, (current, e) => current.Evolve(e));
                    taken.Add(partyId);
                    var state = events.Aggregate<object, Delegation?>(null, DelegationDecider.Instance.Evolve)!;
                    var positions = state.Members.Where(m => m.Place == PlaceStatus.Waiting).Select(m => m.Ticket!.Value).Order()
                        .Select((ticket, i) => (ticket, (long)(waitingBefore + i + 1))).ToDictionary();
                    var stored = new StoredRegistration(p.Id, events.Count, positions, p.SealedToken);
                    appends.Add(new StreamAppend(Delegation.StreamId(p.Id), DelegationDecider.Instance.StreamType, ExpectedVersion.NoStream, events, p.Metadata));
                    if (p.IdempotencyKey is { } newKey)
                    {
                        answers.Add((newKey, new IdempotentAnswer(p.RequestHash!, StatusCodes.Status201Created, JsonSerializer.Serialize(stored, JsonOptions))));
                        firsts[newKey] = p;
                    }

                    decided.Add((p, new DelegationDocument(state, events.Count), stored));
                }
                catch (ProblemException refused)
                {
                    p.Outcome.TrySetException(refused);
                }
            }

            if (appends.Count > 0)
            {
                await tx.AppendAsync(appends, appends[0].Metadata!, ct);
                await using (var writes = new NpgsqlBatch(tx.Connection, tx.Transaction) { BatchCommands = { vault.SaveKeysCommand(decided.SelectMany(d => d.Pending.Keys).ToList()) } })
                {
                    if (answers.Count > 0)
                    {
                        writes.BatchCommands.Add(idempotency.SaveCommand(scope, answers));
                    }

                    await writes.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
            }
        }

        foreach (var (p, document, stored) in decided)
        {
            p.Outcome.TrySetResult((Render(document, stored, new PersonalDataVault.OpenedData(p.Keys.ToDictionary(k => k.Subject, k => k.Key))), null));
        }

        foreach (var (p, first) in retries)
        {
            p.Outcome.TrySetResult(await first.Outcome.Task);
        }
    }

    /// <summary>A registration prepared outside the lock (keys made, data sealed), waiting for its conference's next batch.</summary>
    private sealed record PendingRegistration(
        Guid Id,
        Party Party,
        Sealed FocalPoint,
        IReadOnlyList<SubjectKey> Keys,
        IReadOnlyList<NewMember> Members,
        string AccessTokenHash,
        Sealed SealedToken,
        Sealed AccessLink,
        string? IdempotencyKey,
        byte[]? RequestHash,
        EventMetadata Metadata)
    {
        public TaskCompletionSource<(DelegationView? View, IdempotentAnswer? Replay)> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task<DelegationView> ReplayAsync(IdempotentAnswer answer, NpgsqlConnection connection, CancellationToken ct)
    {
        var stored = JsonSerializer.Deserialize<StoredRegistration>(answer.Answer, JsonOptions)!;
        var (state, version) = await store.AggregateAsync(
            Delegation.StreamId(stored.DelegationId), DelegationDecider.Instance.Initial, DelegationDecider.Instance.Evolve, upToVersion: stored.Version, connection: connection, ct: ct);
        var document = new DelegationDocument(state!, version);
        return Render(document, stored, await vault.OpenAsync(DelegationRenderer.SealedValues(state!).Append(stored.AccessToken), ct, connection));
    }

    private static DelegationView Render(DelegationDocument document, StoredRegistration stored, PersonalDataVault.OpenedData opened) =>
        DelegationRenderer.View(document, opened, ticket => stored.Positions[ticket]) with
        {
            AccessToken = opened.Open<TokenView>(stored.AccessToken)?.AccessToken,
        };

    public Task<DelegationView> AddMemberAsync(Guid id, MemberRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var member = ValidateMember(new Validator(), "", request)!;
        var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
        return ChangeAsync(id, d => new DelegationCommand.AddMember(d.Conference, d.Places, member.ToNewMember(key)), ifMatch, actor, null, [key], null, ct);
    }

    public Task<DelegationView> ReplaceMemberAsync(Guid id, Guid memberId, MemberRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var member = ValidateMember(new Validator(), "", request)!;
        var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
        return ChangeAsync(id, d => new DelegationCommand.ReplaceMember(d.Conference, d.Places, memberId, member.ToNewMember(key)), ifMatch, actor, null, [key], null, ct);
    }

    public Task<DelegationView> WithdrawMemberAsync(Guid id, Guid memberId, long? ifMatch, string actor, CancellationToken ct) =>
        ChangeAsync(id, d => new DelegationCommand.WithdrawMember(d.Conference, memberId), ifMatch, actor, null, [], null, ct);

    public Task<DelegationView> ChangeFocalPointAsync(Guid id, ContactRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var v = new Validator();
        var contact = ValidateContact(v, "", request);
        v.ThrowIfInvalid();
        var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
        return ChangeAsync(id, d => new DelegationCommand.ChangeFocalPoint(d.Conference, PersonalDataVault.Seal(key, contact!)), ifMatch, actor, null, [key], null, ct);
    }

    public Task<DelegationView> WithdrawAsync(Guid id, WithdrawDelegationRequest? request, long? ifMatch, string actor, CancellationToken ct)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? null : request.Reason.Trim();
        return ChangeAsync(id, _ => new DelegationCommand.Withdraw(reason), ifMatch, actor, reason, [], null, ct);
    }

    public async Task<TokenView> RotateTokenAsync(Guid id, long? ifMatch, string actor, CancellationToken ct)
    {
        var token = NewAccessToken();
        await ChangeAsync(id, _ => new DelegationCommand.RotateToken(HashToken(token)), ifMatch, actor, null, [], null, ct);
        return new TokenView(token);
    }

    public Task<DelegationView> DecideAccreditationAsync(Guid id, Guid memberId, AccreditationRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var v = new Validator();
        var decision = request.Decision switch
        {
            "approve" => AccreditationStatus.Approved,
            "reject" => AccreditationStatus.Rejected,
            _ => (AccreditationStatus?)null,
        };
        v.Require(decision is not null, "decision", "The decision is approve or reject.");
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        v.Require(decision != AccreditationStatus.Rejected || reason is not null, "reason", "Say why the member is not accredited.");
        v.Require(reason is null || reason.Length <= 1000, "reason", "A reason is at most 1,000 characters.");
        v.ThrowIfInvalid();
        return ChangeAsync(id, d => new DelegationCommand.DecideAccreditation(d.Places, memberId, decision!.Value, reason, actor, Now), ifMatch, actor, reason, [], null, ct);
    }

    /// <summary>Protocol confirms (or refuses, with a reason) the full powers declared for a member: who may sign for the party.</summary>
    public Task<DelegationView> DecideFullPowersAsync(Guid id, Guid memberId, FullPowersRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(request.Confirmed is not null, "confirmed", "Say whether the full powers are confirmed (true) or not (false).");
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        v.Require(request.Confirmed != false || reason is not null, "reason", "Say why the full powers are not confirmed.");
        v.Require(reason is null || reason.Length <= 1000, "reason", "A reason is at most 1,000 characters.");
        v.ThrowIfInvalid();
        return ChangeAsync(id, _ => new DelegationCommand.DecideFullPowers(memberId, request.Confirmed!.Value, reason, actor, Now), ifMatch, actor, reason, [], null, ct);
    }

    public Task<DelegationView> ErasePersonalDataAsync(Guid id, Guid memberId, bool byFocalPoint, long? ifMatch, string actor, CancellationToken ct) =>
        ChangeAsync(id, _ => new DelegationCommand.ErasePersonalData(memberId, byFocalPoint), ifMatch, actor, null, [], null, ct);

    public Task<DelegationView> RequestSeatsAsync(Guid id, SeatsRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(request.SessionId is not null, "sessionId", "Name the session.");
        v.Require(request.MemberIds is { Count: > 0 }, "memberIds", "Name the members who are to take seats.");
        v.ThrowIfInvalid();
        return ChangeAsync(
            id, d => new DelegationCommand.RequestSeats(d.Session!, d.Seats!, request.MemberIds!, request.RequestsFloor ?? false), ifMatch, actor, null, [], request.SessionId, ct);
    }

    public Task<DelegationView> ReleaseSeatAsync(Guid id, Guid sessionId, Guid memberId, long? ifMatch, string actor, CancellationToken ct) =>
        ChangeAsync(id, _ => new DelegationCommand.ReleaseSeat(sessionId, memberId), ifMatch, actor, null, [], null, ct);

    /// <summary>What a change is decided on, read under the lock: the conference and its places, the delegation, and (for seats) the session and its seats.</summary>
    private sealed record Decision(Conference Conference, Places Places, Delegation State, SeatSession? Session, SessionSeats? Seats);

    /// <summary>
    /// One change of a delegation under the conference's lock (and the agenda's, when it is about a session's seats):
    /// fold, check If-Match, decide, hand freed places and seats to the first in line, append (the moved-up members'
    /// delegations too), store new keys, delete erased ones, commit.
    /// </summary>
    private async Task<DelegationView> ChangeAsync(
        Guid id, Func<Decision, DelegationCommand> command, long? ifMatch, string actor, string? reason, IReadOnlyCollection<SubjectKey> newKeys, Guid? seatSession, CancellationToken ct)
    {
        var slug = await ConferenceOfAsync(id, ct) ?? throw ProblemException.NotFound("such delegation");
        using (await gates.EnterAsync(slug, ct))
        // The agenda's lock too: seats read its sessions, and a fixed speaking order records who joins and leaves it.
        await using (var tx = await store.BeginAsync([Conference.StreamId(slug), AgendaState.StreamId(slug)], ct))
        {
            var (places, _) = await PlacesAsync(tx, slug, [], ct);
            var (state, version) = await tx.AggregateAsync(Delegation.StreamId(id), DelegationDecider.Instance.Initial, DelegationDecider.Instance.Evolve, ct);
            if (state is null)
            {
                throw ProblemException.NotFound("such delegation");
            }

            ETags.RequireMatch(ifMatch, version, "the delegation");

            SeatSession? session = null;
            SessionSeats? seats = null;
            AgendaState? agenda = null;
            if (seatSession is { } sessionId)
            {
                agenda = await tx.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct) ?? AgendaState.Empty;
                session = SeatSession.Of(agenda, sessionId) ?? throw ProblemException.NotFound("such session");
                seats = await tx.LoadAsync<SessionSeats>(DelegationProjection.ProjectionName, SessionSeats.DocumentId(slug, sessionId), ct) ?? SessionSeats.Empty(sessionId);
            }

            var events = DelegationDecider.Instance.Decide(command(new Decision(places.Conference, places, state, session, seats)), state);
            if (events.Count > 0)
            {
                var metadata = EventMetadata.For(actor, reason);
                var moved = (await MoveUpAsync(tx, slug, events, ct)).Concat(await MoveUpSeatsAsync(tx, slug, events, ct)).ToList();
                var own = events.Concat(moved.Where(m => m.DelegationId == id).Select(m => m.Event)).ToList();

                // Another delegation's history shows who moved its members up as the waiting list itself: never this
                // caller, its delegation or its reason.
                var appends = moved.Where(m => m.DelegationId != id).GroupBy(m => m.DelegationId)
                    .Select(g => new StreamAppend(
                        Delegation.StreamId(g.Key), DelegationDecider.Instance.StreamType, ExpectedVersion.Any, g.Select(m => m.Event).ToList(),
                        metadata with { Actor = WaitingListActor, Reason = g.First().Reason }))
                    .Prepend(new StreamAppend(Delegation.StreamId(id), DelegationDecider.Instance.StreamType, ExpectedVersion.Exactly(version), own))
                    .ToList();
                var floor = events.OfType<FloorRequested>().Select(f => (f.SessionId, Joined: true)).Concat(events.OfType<FloorWithdrawn>().Select(f => (f.SessionId, Joined: false))).ToList();
                if (floor.Count > 0)
                {
                    agenda ??= await tx.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct) ?? AgendaState.Empty;
                    var order = SpeakingOrder.Changes(agenda, id, floor);
                    if (order.Count > 0)
                    {
                        // The agenda's lock is held: nobody else appends to its stream meanwhile.
                        appends.Add(new StreamAppend(AgendaState.StreamId(slug), AgendaDecider.Instance.StreamType, ExpectedVersion.Any, order));
                    }
                }
                await tx.AppendAsync(appends, metadata, ct);
                await vault.SaveKeysAsync(tx.Connection, tx.Transaction, newKeys, ct);
                var erased = events.OfType<MemberPersonalDataErased>().Select(e => state.Find(e.MemberId)?.Person?.Subject).OfType<Guid>().ToList();
                if (erased.Count > 0)
                {
                    await vault.EraseAsync(tx.Connection, tx.Transaction, erased, ct);
                }

                await tx.CommitAsync(ct);
            }
        }

        return (await GetAsync(id, ct))!;
    }

    /// <summary>The places this decision frees go to the first members in line (passing over those leaving it now).</summary>
    private static async Task<IReadOnlyList<(Guid DelegationId, object Event, string Reason)>> MoveUpAsync(StoreTransaction tx, string slug, IReadOnlyList<object> events, CancellationToken ct)
    {
        var freed = events.Count(e => e is PlaceReleased) - events.Count(e => e is MemberAdmitted);
        if (freed <= 0)
        {
            return [];
        }

        var leaving = events.OfType<WaitingListLeft>().Select(e => e.MemberId).ToHashSet();
        var head = await tx.ListAsync<WaitingEntry>(DelegationProjection.ProjectionName, WaitingEntry.Prefix(slug), freed + leaving.Count, ct);
        return WaitingList.MoveUp(head, freed, leaving, events.OfType<PlaceReleased>().First().Reason).Select(m => (m.DelegationId, (object)m.Event, m.Event.Reason)).ToList();
    }

    /// <summary>The seats this decision frees, session by session, go to the first in each session's line.</summary>
    private static async Task<IReadOnlyList<(Guid DelegationId, object Event, string Reason)>> MoveUpSeatsAsync(StoreTransaction tx, string slug, IReadOnlyList<object> events, CancellationToken ct)
    {
        var moved = new List<(Guid, object, string)>();
        foreach (var released in events.OfType<SeatReleased>().GroupBy(e => e.SessionId))
        {
            var sessionId = released.Key;
            var freed = released.Count() - events.OfType<SeatTaken>().Count(e => e.SessionId == sessionId);
            if (freed <= 0)
            {
                continue;
            }

            var leaving = events.OfType<SeatWaitingLeft>().Where(e => e.SessionId == sessionId).Select(e => e.MemberId).ToHashSet();
            var head = await tx.ListAsync<SeatWaitingEntry>(DelegationProjection.ProjectionName, SeatWaitingEntry.Prefix(slug, sessionId), freed + leaving.Count, ct);
            var reason = $"A seat was freed: {released.First().Reason}.";
            moved.AddRange(head.Where(w => !leaving.Contains(w.MemberId)).Take(freed)
                .Select(w => (w.DelegationId, (object)new SeatMovedUp(sessionId, w.MemberId, w.Ticket, reason), reason)));
        }

        return moved;
    }

    /// <summary>
    /// The conference and its places, and which of the given party documents exist, in one query under the lock
    /// (a 404 for a conference the public cannot see).
    /// </summary>
    private static async Task<(Places Places, HashSet<string> PartiesTaken)> PlacesAsync(StoreTransaction tx, string slug, IEnumerable<string> partyIds, CancellationToken ct)
    {
        var placesId = Places.DocumentId(slug);
        var found = await tx.LoadManyAsync<JsonElement>(DelegationProjection.ProjectionName, partyIds.Prepend(placesId).Distinct().ToList(), ct);
        var places = found.TryGetValue(placesId, out var json) ? json.Deserialize<Places>(JsonOptions) : null;
        return places is { Conference.Status: not ConferenceStatus.Draft }
            ? (places, found.Keys.Where(k => k != placesId).ToHashSet(StringComparer.Ordinal))
            : throw ProblemException.NotFound($"conference '{slug}'");
    }

    /// <summary>The conference a delegation belongs to, or null when there is no such delegation.</summary>
    public async Task<string?> ConferenceOfAsync(Guid id, CancellationToken ct) =>
        (await store.Documents.LoadAsync<DelegationLocation>(DelegationProjection.ProjectionName, DelegationLocation.DocumentId(id), ct))?.ConferenceSlug;

    public async Task<DelegationView?> GetAsync(Guid id, CancellationToken ct)
    {
        var slug = await ConferenceOfAsync(id, ct);
        var document = slug is null ? null : await store.Documents.LoadAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.DocumentId(slug, id), ct);
        if (document is null)
        {
            return null;
        }

        var positions = new Dictionary<long, long>();
        foreach (var member in document.State.Members.Where(m => m.Place == PlaceStatus.Waiting))
        {
            var ticket = member.Ticket!.Value;
            positions[ticket] = 1 + await store.Documents.CountRangeAsync(DelegationProjection.ProjectionName, WaitingEntry.Prefix(slug!), WaitingEntry.DocumentId(slug!, ticket), ct);
        }

        var seatPositions = new Dictionary<(Guid, long), long>();
        foreach (var seat in document.State.Members.SelectMany(m => m.SeatList).Where(s => s.Status == SeatStatus.Waiting))
        {
            seatPositions[(seat.SessionId, seat.Ticket!.Value)] = 1 + await store.Documents.CountRangeAsync(
                DelegationProjection.ProjectionName, SeatWaitingEntry.Prefix(slug!, seat.SessionId), SeatWaitingEntry.DocumentId(slug!, seat.SessionId, seat.Ticket.Value), ct);
        }

        var seats = new SeatContext((session, ticket) => seatPositions[(session, ticket)], await CancelledSessionsAsync(slug!, ct));
        return (await WithDeliverabilityAsync(
            [DelegationRenderer.View(document, await vault.OpenAsync(DelegationRenderer.SealedValues(document.State), ct), ticket => positions[ticket], seats)], ct))[0];
    }

    /// <summary>Members whose address mail no longer reaches are marked, so that the focal point can give another.</summary>
    private async Task<IReadOnlyList<DelegationView>> WithDeliverabilityAsync(IReadOnlyList<DelegationView> views, CancellationToken ct)
    {
        var bad = await deliverability.UndeliverableAddressesAsync(views.SelectMany(v => v.Members).Select(m => m.Email).OfType<string>().ToList(), ct);
        return bad.Count == 0 ? views : views.Select(v => v with
        {
            Members = v.Members.Select(m => m.Email is { } email && bad.Contains(email) ? m with { MailUndeliverable = true } : m).ToList(),
        }).ToList();
    }

    /// <summary>Every delegation of a conference, in the order they registered, with waiting positions.</summary>
    public async Task<IReadOnlyList<DelegationView>> ListAsync(string slug, CancellationToken ct)
    {
        await PlacesAsync(slug, ct);
        var (documents, positions) = await DocumentsAsync(slug, ct);
        var opened = await vault.OpenAsync(documents.SelectMany(d => DelegationRenderer.SealedValues(d.State)), ct);
        var seatPositions = (await store.Documents.ListAsync<SeatWaitingEntry>(DelegationProjection.ProjectionName, SeatWaitingEntry.ConferencePrefix(slug), ct))
            .GroupBy(w => w.SessionId)
            .SelectMany(line => line.Select((w, i) => (Key: (line.Key, w.Ticket), Position: (long)i + 1)))
            .ToDictionary(x => x.Key, x => x.Position);
        var seats = new SeatContext((session, ticket) => seatPositions[(session, ticket)], await CancelledSessionsAsync(slug, ct));
        return await WithDeliverabilityAsync(documents.Select(d => DelegationRenderer.View(d, opened, ticket => positions[ticket], seats)).ToList(), ct);

    }

    public async Task<WaitingListView> WaitingListAsync(string slug, CancellationToken ct)
    {
        var places = await PlacesAsync(slug, ct);
        var (documents, positions) = await DocumentsAsync(slug, ct);
        var waiting = documents
            .SelectMany(d => d.State.Members.Where(m => m.Place == PlaceStatus.Waiting).Select(m => (Delegation: d.State, Member: m)))
            .OrderBy(w => w.Member.Ticket)
            .ToList();
        var opened = await vault.OpenAsync(waiting.Select(w => w.Member.Person), ct);
        return new WaitingListView(slug, places.Capacity, places.Admitted, waiting.Select(w =>
        {
            var person = opened.Open<PersonalDetails>(w.Member.Person);
            return new WaitingMemberView(positions[w.Member.Ticket!.Value], w.Delegation.Id, w.Member.Id, w.Delegation.Party, person?.Name, person is null, w.Member.Rank, w.Member.Accreditation.Status);
        }).ToList());
    }

    /// <summary>
    /// The members awaiting protocol's decision (active, in an active delegation, accreditation pending), the longest
    /// waiting first: by the time each joined its delegation, read from the member-added events (the state keeps no times).
    /// </summary>
    public async Task<IReadOnlyList<QueuedMemberView>> AccreditationQueueAsync(string slug, CancellationToken ct)
    {
        await PlacesAsync(slug, ct);
        var (documents, positions) = await DocumentsAsync(slug, ct);
        var pending = documents
            .Where(d => d.State.Status == DelegationStatus.Active)
            .SelectMany(d => d.State.Members.Where(m => m.IsActive && m.Accreditation.Status == AccreditationStatus.Pending).Select(m => (Document: d, Member: m)))
            .ToList();
        if (pending.Count == 0)
        {
            return [];
        }

        var events = await store.ReadStreamsAsync(pending.Select(p => Delegation.StreamId(p.Document.State.Id)).Distinct().ToList(), ct: ct);
        var joined = events.Where(e => e.Data is MemberAdded).ToDictionary(e => ((MemberAdded)e.Data).MemberId, e => e.RecordedAt);
        var opened = await vault.OpenAsync(pending.Select(p => p.Member.Person), ct);
        return pending
            .Select(p =>
            {
                var (d, m) = (p.Document, p.Member);
                var person = opened.Open<PersonalDetails>(m.Person);
                var place = new PlaceView(m.Place, m.Place == PlaceStatus.Waiting ? positions[m.Ticket!.Value] : null);
                return new QueuedMemberView(
                    d.State.Id, d.State.Number, d.Version, d.State.Party, m.Id, person?.Name, person?.Function, m.Rank, m.IsHead, m.HasFullPowers, person is null, place,
                    joined.GetValueOrDefault(m.Id, d.State.RegisteredAt.ToDateTimeOffset()));
            })
            .OrderBy(q => q.Since)
            .ThenBy(q => q.DelegationNumber)
            .ToList();
    }

    /// <summary>Every member who took a freed place from the conference's waiting list, the latest first, with why the place freed.</summary>
    public async Task<IReadOnlyList<MovedUpView>> MovedUpAsync(string slug, CancellationToken ct)
    {
        await PlacesAsync(slug, ct);
        var (documents, _) = await DocumentsAsync(slug, ct);
        if (documents.Count == 0)
        {
            return [];
        }

        var byId = documents.ToDictionary(d => d.State.Id, d => d.State);
        var moves = (await store.ReadStreamsAsync(documents.Select(d => Delegation.StreamId(d.State.Id)).ToList(), ct: ct))
            .Where(e => e.Data is MemberMovedUp)
            .Select(e => (Delegation: byId[Guid.Parse(e.StreamId.AsSpan("delegation-".Length))], Event: (MemberMovedUp)e.Data, e.RecordedAt))
            .ToList();
        var opened = await vault.OpenAsync(moves.Select(m => m.Delegation.Find(m.Event.MemberId)?.Person), ct);
        return moves
            .Select(m =>
            {
                var person = opened.Open<PersonalDetails>(m.Delegation.Find(m.Event.MemberId)?.Person);
                return new MovedUpView(m.Delegation.Id, m.Delegation.Party, m.Event.MemberId, person?.Name, person is null, m.RecordedAt, m.Event.Reason);
            })
            .OrderByDescending(m => m.At)
            .ToList();
    }

    private async Task<HashSet<Guid>> CancelledSessionsAsync(string slug, CancellationToken ct) =>
        ((await store.Documents.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct))?.Sessions.Values ?? [])
            .Where(s => s.Status == SessionStatus.Cancelled).Select(s => s.Id).ToHashSet();

    /// <summary>
    /// The tour de table of a ministerial session as protocol orders it: delegations holding a seat that asked for the
    /// floor, heads of ministerial rank first, then by rank, then in the order they asked.
    /// </summary>
    public async Task<IReadOnlyList<SpeakerTurn>> SpeakingOrderAsync(string slug, Guid sessionId, CancellationToken ct)
    {
        var agenda = await store.Documents.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct);
        if (agenda is null || !agenda.Sessions.TryGetValue(sessionId, out var session))
        {
            throw ProblemException.NotFound("such session");
        }

        await PlacesAsync(slug, ct);
        var (documents, _) = await DocumentsAsync(slug, ct);
        return await OpenAsync(Turns(documents.Select(d => d.State).ToList(), session), ct);
    }

    /// <summary>The tour de table of every scheduled ministerial session, speakers' names and functions still sealed (for publication).</summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<SpeakerTurn>>> TourDeTableAsync(string slug, AgendaState agenda, CancellationToken ct)
    {
        var ministerial = agenda.Sessions.Values.Where(s => s.Plan.Kind == SessionKind.Ministerial && s.Status == SessionStatus.Scheduled).ToList();
        if (ministerial.Count == 0)
        {
            return new Dictionary<Guid, IReadOnlyList<SpeakerTurn>>();
        }

        var states = (await DocumentsAsync(slug, ct)).Documents.Select(d => d.State).ToList();
        return ministerial.ToDictionary(s => s.Id, s => (IReadOnlyList<SpeakerTurn>)Turns(states, s));
    }

    /// <summary>Turns with the speakers' names and functions opened (or marked erased), their sealed form dropped.</summary>
    public async Task<IReadOnlyList<SpeakerTurn>> OpenAsync(IReadOnlyList<SpeakerTurn> turns, CancellationToken ct)
    {
        var opened = await vault.OpenAsync(turns.Select(t => t.Person), ct);
        return turns.Select(t => opened.Open<PersonalDetails>(t.Person) is { } person
            ? t with { Person = null, Name = person.Name, Function = person.Function }
            : t with { Person = null, Erased = true }).ToList();
    }

    private static List<SpeakerTurn> Turns(IReadOnlyList<Delegation> delegations, Session session) =>
        SpeakingOrder.InForce(delegations, session.Id, session.SpeakingOrder ?? [])
            .Select((o, i) => new SpeakerTurn(i + 1, o.Delegation.Id, o.Delegation.Party, o.Speaker.Id, o.Speaker.Rank, o.Speaker.IsHead, o.Speaker.Person))
            .ToList();

    /// <summary>
    /// Fixes a ministerial session's tour de table by hand (If-Match: the session's ETag), under the conference's and
    /// the agenda's locks, so that the seats and floor requests it is checked against cannot change meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<SpeakerTurn>> FixSpeakingOrderAsync(string slug, Guid sessionId, SpeakingOrderRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        new Validator().Require(request.DelegationIds is { Count: > 0 }, "delegationIds", "List the delegations in the order they are to speak.").ThrowIfInvalid();
        using (await gates.EnterAsync(slug, ct))
        await using (var tx = await store.BeginAsync([Conference.StreamId(slug), AgendaState.StreamId(slug)], ct))
        {
            await PlacesAsync(tx, slug, [], ct);
            var agenda = await tx.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct) ?? AgendaState.Empty;
            var session = SeatSession.Of(agenda, sessionId) ?? throw ProblemException.NotFound("such session");
            ETags.RequireMatch(ifMatch, agenda.Sessions[sessionId].Revision, "the session");

            var delegations = await tx.ListAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.Prefix(slug), int.MaxValue, ct);
            var entitled = SpeakingOrder.Compute(delegations.Select(d => d.State), sessionId);
            var fixedOrder = SpeakingOrder.Fix(session, request.DelegationIds!, entitled);

            // The agenda's lock is held: nobody else appends to its stream meanwhile.
            await tx.AppendAsync([new StreamAppend(AgendaState.StreamId(slug), AgendaDecider.Instance.StreamType, ExpectedVersion.Any, [fixedOrder])], EventMetadata.For(actor), ct);
            await tx.CommitAsync(ct);
        }

        return await SpeakingOrderAsync(slug, sessionId, ct);
    }

    /// <summary>A conference's places as read models show them; a 404 for a conference that does not exist.</summary>
    private async Task<Places> PlacesAsync(string slug, CancellationToken ct) =>
        await store.Documents.LoadAsync<Places>(DelegationProjection.ProjectionName, Places.DocumentId(slug), ct)
        ?? throw ProblemException.NotFound($"conference '{slug}'");

    private async Task<(IReadOnlyList<DelegationDocument> Documents, Dictionary<long, long> Positions)> DocumentsAsync(string slug, CancellationToken ct)
    {
        var documents = await store.Documents.ListAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.Prefix(slug), ct);
        var line = await store.Documents.ListAsync<WaitingEntry>(DelegationProjection.ProjectionName, WaitingEntry.Prefix(slug), ct);
        var ordered = documents.OrderBy(d => d.State.Number).ToList();
        return (ordered, line.Select((w, i) => (w.Ticket, (long)i + 1)).ToDictionary());
    }

    /// <summary>Every event of the delegation, with its personal data opened, or marked erased once its key is gone.</summary>
    public async Task<IReadOnlyList<DelegationHistoryEntry>> HistoryAsync(Guid id, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(Delegation.StreamId(id), ct: ct);
        var data = events.Select(e => JsonSerializer.SerializeToNode(e.Data, e.Data.GetType(), JsonOptions)!).ToList();
        var sealedValues = data.SelectMany(SealedIn).ToList();
        var opened = await vault.OpenAsync(sealedValues.Select(s => s.Value), ct);
        foreach (var (parent, name, value) in sealedValues)
        {
            parent[name] = opened.Open<JsonObject>(value) ?? new JsonObject { ["erased"] = true };
        }

        return events.Select((e, i) => new DelegationHistoryEntry(e.TypeName, e.RecordedAt, e.Metadata.Actor, e.Metadata.Reason, e.StreamVersion, data[i])).ToList();
    }

    private static IEnumerable<(JsonObject Parent, string Name, Sealed Value)> SealedIn(JsonNode node) =>
        node is JsonObject o
            ? o.Where(p => p.Value is JsonObject { Count: 2 } v && v.ContainsKey("subject") && v.ContainsKey("data"))
                .Select(p => (o, p.Key, p.Value!.Deserialize<Sealed>(JsonOptions)!))
                .ToList()
            : [];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record ValidMember(PersonalDetails Person, Rank Rank, bool IsHead, bool HasFullPowers)
    {
        public NewMember ToNewMember(SubjectKey key) => new(key.Subject, Rank, IsHead, HasFullPowers, PersonalDataVault.Seal(key, Person));
    }

    private static (Party Party, ContactDetails FocalPoint, IReadOnlyList<ValidMember> Members) Validate(RegisterDelegationRequest r)
    {
        var v = new Validator();
        Party? party = null;
        v.Require(r.Party is not null, "party", "Name the party: a state by its ISO 3166-1 code, or an organisation by its name and kind.");
        if (r.Party is { } p)
        {
            var kindOk = Enum.GetNames<PartyKind>().Contains(p.Kind, StringComparer.Ordinal);
            v.Require(kindOk, "party.kind", $"The kind of party is one of {string.Join(", ", Enum.GetNames<PartyKind>())}.");
            if (kindOk && Enum.Parse<PartyKind>(p.Kind!) == PartyKind.State)
            {
                var name = Countries.NameOf(p.Code);
                v.Require(name is not null, "party.code", "A state is named by its ISO 3166-1 alpha-2 code, such as BE.");
                v.Require(p.Name is null, "party.name", "A state's name comes from its code; leave the name out.");
                party = name is null ? null : new Party(PartyKind.State, p.Code, name);
            }
            else if (kindOk)
            {
                var name = Text(v, "party.name", p.Name);
                v.Require(p.Code is null, "party.code", "Only states have a code.");
                party = name is null ? null : new Party(Enum.Parse<PartyKind>(p.Kind!), null, name);
            }
        }

        v.Require(r.FocalPoint is not null, "focalPoint", "Name the focal point (name and e-mail).");
        var focal = r.FocalPoint is null ? null : ValidateContact(v, "focalPoint.", r.FocalPoint);
        v.Require(r.Members is { Count: > 0 }, "members", "Name the members of the delegation, one of them its head.");
        var members = (r.Members ?? []).Select((m, i) => ValidateMember(v, $"members[{i}].", m)).ToList();
        v.ThrowIfInvalid();
        return (party!, focal!, members!);
    }

    private static ContactDetails? ValidateContact(Validator v, string prefix, ContactRequest request)
    {
        var name = Text(v, prefix + "name", request.Name);
        var email = Email(v, prefix + "email", request.Email);
        return name is null || email is null ? null : new ContactDetails(name, email);
    }

    private static ValidMember? ValidateMember(Validator v, string prefix, MemberRequest? m)
    {
        if (m is null)
        {
            v.Require(false, prefix.TrimEnd('.'), "A member has a name, function, rank, e-mail and says whether it is the head.");
            return null;
        }

        var name = Text(v, prefix + "name", m.Name);
        var function = Text(v, prefix + "function", m.Function);
        var email = Email(v, prefix + "email", m.Email);
        var rankOk = Enum.GetNames<Rank>().Contains(m.Rank, StringComparer.Ordinal);
        v.Require(rankOk, prefix + "rank", $"The rank is one of {string.Join(", ", Enum.GetNames<Rank>())} (an Attorney General or a European Commissioner is a Minister).");
        v.Require(m.IsHead is not null, prefix + "isHead", "Say whether the member is the head of delegation.");
        if (prefix.Length == 0)
        {
            v.ThrowIfInvalid();
        }

        return name is null || function is null || email is null || !rankOk || m.IsHead is null
            ? null
            : new ValidMember(new PersonalDetails(name, function, email), Enum.Parse<Rank>(m.Rank!), m.IsHead.Value, m.HasFullPowers ?? false);
    }

    /// <summary>A name or function: trimmed, in Unicode NFC, non-empty, at most 200 characters, no control characters.</summary>
    private static string? Text(Validator v, string field, string? value)
    {
        var text = value?.Trim().Normalize(NormalizationForm.FormC);
        var ok = !string.IsNullOrEmpty(text) && text.Length <= MaxText && !text.Any(char.IsControl);
        v.Require(ok, field, $"Give a text of 1 to {MaxText} characters, without control characters.");
        return ok ? text : null;
    }

    private static string? Email(Validator v, string field, string? value)
    {
        var text = value?.Trim();
        var ok = text is { Length: > 0 and <= 254 }
            && MailAddress.TryCreate(text, out var address)
            && address.Address == text
            && address.Host.Contains('.', StringComparison.Ordinal)
            && !text.Any(char.IsWhiteSpace);
        v.Require(ok, field, "Give an e-mail address, such as name@example.org.");
        return ok ? text : null;
    }
}
