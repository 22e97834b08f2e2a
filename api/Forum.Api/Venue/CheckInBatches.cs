using System.Collections.Concurrent;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Venues;

/// <summary>A scan whose code verified, waiting for its conference's next batch; its answer (or refusal) comes through Outcome.</summary>
public sealed record PendingScan(BadgeClaim Claim, string? ScanId, Instant ScannedAt, string? Gate, EventMetadata Metadata, bool Admitted = false, string? Reason = null)
{
    public TaskCompletionSource<CheckInView> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Check-ins decided in batches (group commit). Scans of one conference that arrive together queue in memory; one loop
/// per conference and process forms batches of what queued, and each batch reads the documents it needs in one query
/// (badge serials, earlier check-ins, delegations, the last revalidated from memory), the members' keys in another, and
/// writes every first check-in in one transaction and one statement. Correctness comes from the database, not from this
/// queue: each check-in starts the member's own stream, created under its lock only if it does not exist yet, so with
/// any number of processes a member is checked in once. A refused scan is answered alone; a database failure fails the
/// scans of its batch only.
/// </summary>
public sealed class CheckInBatches(EventStore.EventStore store, PersonalDataVault vault) : IDisposable
{
    /// <summary>At most this many scans are decided in one transaction.</summary>
    private const int MaxBatch = 200;

    /// <summary>
    /// Batches of one conference decided at once: each spends most of its time waiting (round trips, its commit's flush
    /// to disk), so while one waits the next is read and written, and PostgreSQL flushes commits that come together at once.
    /// </summary>
    private const int MaxInFlight = 4;

    /// <summary>
    /// While a batch is being decided, another starts only once this many scans wait; fewer wait for the next batch, so
    /// that a batch's fixed cost (three queries, a commit) is shared by enough scans.
    /// </summary>
    private const int MinConcurrentBatch = 8;

    private readonly ConcurrentDictionary<string, ScanQueue> queues = new(StringComparer.Ordinal);

    // The batches' documents are revalidated by row version at each read: a delegation (8 KB for 20 members) is sent and
    // deserialised again only when it changed.
    private readonly DocumentCache documents = new(capacity: 100_000);

    /// <summary>
    /// Queues scans of one conference, in the order given: of two scans of one member the first queued counts. Each is
    /// answered through its Outcome.
    /// </summary>
    public void Enqueue(string slug, IReadOnlyList<PendingScan> scans)
    {
        var queue = queues.GetOrAdd(slug, _ => new ScanQueue());
        foreach (var scan in scans)
        {
            queue.Items.Enqueue(scan);
        }

        queue.Wake();

        if (Interlocked.CompareExchange(ref queue.Draining, 1, 0) == 0)
        {
            // One loop per conference forms batches from what queued, until the queue is empty.
            _ = Task.Run(() => DrainAsync(slug, queue), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        foreach (var queue in queues.Values)
        {
            queue.Dispose();
        }
    }

    private async Task DrainAsync(string slug, ScanQueue queue)
    {
        while (true)
        {
            while (!queue.Items.IsEmpty || queue.Held.Count > 0)
            {
                if (queue.Slots.CurrentCount < MaxInFlight && queue.Items.Count + queue.Held.Count < MinConcurrentBatch)
                {
                    await queue.Signal.WaitAsync();
                    continue;
                }

                await queue.Slots.WaitAsync();
                var batch = queue.Take();
                if (batch.Count == 0)
                {
                    // Only scans of members whose batch is being decided are left: they wait for it.
                    queue.Slots.Release();
                    await queue.Signal.WaitAsync();
                    continue;
                }

                _ = DecideInTurnAsync(slug, queue, batch);
            }

            // Stop, unless something queued between the last look and now and no other loop has started for it.
            Volatile.Write(ref queue.Draining, 0);
            if (queue.Items.IsEmpty || Interlocked.CompareExchange(ref queue.Draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private async Task DecideInTurnAsync(string slug, ScanQueue queue, List<PendingScan> batch)
    {
        try
        {
            await DecideAsync(slug, batch, CancellationToken.None);
        }
        catch (Exception e)
        {
            // A database failure: the scans of this batch not answered yet fail with it, as a single scan would.
            foreach (var scan in batch)
            {
                scan.Outcome.TrySetException(e);
            }
        }
        finally
        {
            queue.Done(batch);
        }
    }

    /// <summary>
    /// A conference's scans waiting to be decided (Draining is 1 while a loop forms batches of them), and the members of
    /// the batches being decided. A scan of such a member is held back until that batch is done, so that in this
    /// process two scans of one member are always decided in the order they queued. (Between processes nothing is
    /// ordered: the database decides which is first.)
    /// </summary>
    private sealed class ScanQueue : IDisposable
    {
        public readonly ConcurrentQueue<PendingScan> Items = new();

        public readonly SemaphoreSlim Slots = new(MaxInFlight, MaxInFlight);

        /// <summary>Released when a scan queues or a batch is done, for a loop that waits on either.</summary>
        public readonly SemaphoreSlim Signal = new(0);

        /// <summary>Scans taken from Items but held back, in queue order (only the loop touches it).</summary>
        public readonly List<PendingScan> Held = [];

        public int Draining;

        private readonly HashSet<Guid> deciding = [];

        /// <summary>The next batch: held scans first, then queued ones, in order, leaving behind those of members being decided.</summary>
        public List<PendingScan> Take()
        {
            var batch = new List<PendingScan>();
            lock (deciding)
            {
                var blocked = new HashSet<Guid>(deciding);
                var held = new List<PendingScan>();
                void Consider(PendingScan scan)
                {
                    var member = scan.Claim.MemberId;
                    if (batch.Count >= MaxBatch || blocked.Contains(member))
                    {
                        // Later scans of this member stay behind it.
                        held.Add(scan);
                        blocked.Add(member);
                    }
                    else
                    {
                        batch.Add(scan);
                    }
                }

                foreach (var scan in Held)
                {
                    Consider(scan);
                }

                while (batch.Count < MaxBatch && Items.TryDequeue(out var next))
                {
                    Consider(next);
                }

                Held.Clear();
                Held.AddRange(held);
                deciding.UnionWith(batch.Select(s => s.Claim.MemberId));
            }

            return batch;
        }

        public void Done(List<PendingScan> batch)
        {
            lock (deciding)
            {
                deciding.ExceptWith(batch.Select(s => s.Claim.MemberId));
            }

            Slots.Release();
            Wake();
        }

        /// <summary>Wakes the loop if it waits (a count of one is enough: it looks again at everything when it wakes).</summary>
        public void Wake()
        {
            if (Signal.CurrentCount == 0)
            {
                Signal.Release();
            }
        }

        public void Dispose()
        {
            Slots.Dispose();
            Signal.Dispose();
        }
    }

    /// <summary>A scan that admits its member, and where its answer comes from.</summary>
    private sealed class Admitted(PendingScan scan, Delegation delegation, Member member)
    {
        public PendingScan Scan { get; } = scan;

        public Delegation Delegation { get; } = delegation;

        public Member Member { get; } = member;

        /// <summary>An earlier scan of the same member in this batch: this one is answered as a later scan of it.</summary>
        public Admitted? After { get; init; }

        /// <summary>The member's first check-in, once known; Created when this scan made it.</summary>
        public FirstCheckIn? First { get; set; }

        public bool Created { get; set; }
    }

    /// <summary>What every answer about a member's check-in repeats: the first check-in's scan time, upload time, gate and scan id.</summary>
    private sealed record FirstCheckIn(Instant ScannedAt, Instant RecordedAt, string? Gate, string? ScanId);

    private async Task DecideAsync(string slug, List<PendingScan> batch, CancellationToken ct)
    {
        // One connection for the batch's read and its write; one query for everything it reads (the check-in records say
        // who was checked in before it).
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        var found = await store.Documents.LoadManyAsync(
            batch.SelectMany(p => new[]
            {
                (VenueProjection.ProjectionName, BadgeSerial.DocumentId(p.Claim.MemberId), typeof(BadgeSerial)),
                (VenueProjection.ProjectionName, CheckInRecord.DocumentId(slug, p.Claim.MemberId), typeof(CheckInRecord)),
                (DelegationProjection.ProjectionName, DelegationDocument.DocumentId(slug, p.Claim.DelegationId), typeof(DelegationDocument)),
            }).ToList(),
            documents,
            connection,
            ct);
        T? Find<T>(string projection, string id)
            where T : class => found.TryGetValue((projection, id), out var document) ? (T)document : null;

        // In queue order: the first admitted scan of a member counts, later ones in the batch are answered as later scans.
        var admitted = new List<Admitted>(batch.Count);
        var firsts = new Dictionary<Guid, Admitted>();
        var appends = new List<StreamAppend>();
        foreach (var scan in batch)
        {
            var claim = scan.Claim;
            var delegation = Find<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.DocumentId(slug, claim.DelegationId))?.State;
            Member member;
            try
            {
                member = Participation.Admit(claim, Find<BadgeSerial>(VenueProjection.ProjectionName, BadgeSerial.DocumentId(claim.MemberId))?.Serial, delegation);
            }
            catch (ProblemException refused)
            {
                scan.Outcome.TrySetException(refused);
                continue;
            }

            if (firsts.TryGetValue(member.Id, out var earlier))
            {
                admitted.Add(new Admitted(scan, delegation!, member) { After = earlier });
                continue;
            }

            var entry = new Admitted(scan, delegation!, member);
            firsts[member.Id] = entry;
            admitted.Add(entry);
            if (Find<CheckInRecord>(VenueProjection.ProjectionName, CheckInRecord.DocumentId(slug, member.Id)) is { } record)
            {
                entry.First = new FirstCheckIn(record.ScannedAt, ToMicroseconds(record.RecordedAt), record.Gate, record.ScanId);
                continue;
            }

            var events = CheckInDecider.Instance.Decide(new CheckIn(claim, delegation!.Party.Kind, scan.ScanId, scan.ScannedAt, scan.Gate, Reason: scan.Reason), CheckInDecider.Instance.Initial);
            appends.Add(new StreamAppend(CheckInState.StreamId(member.Id), CheckInDecider.Instance.StreamType, ExpectedVersion.NoStream, events, scan.Metadata));
        }

        if (admitted.Count == 0)
        {
            return;
        }

        // The names are only for the answers (the gate compares them with the people): their keys are fetched meanwhile.
        var opening = vault.OpenAsync(admitted.Select(a => a.Member.Person), ct);
        var writing = appends.Count == 0 ? Task.FromResult(new CreatedStreams([], [])) : store.CreateStreamsAsync(appends, appends[0].Metadata!, connection, ct);
        await Task.WhenAll(opening, writing);
        var written = writing.Result;
        foreach (var created in written.Created)
        {
            var e = created.Events[0];
            var checkedIn = (MemberCheckedIn)e.Data;
            var entry = firsts[checkedIn.MemberId];
            entry.First = new FirstCheckIn(checkedIn.ScannedAt, ToMicroseconds(Instant.FromDateTimeOffset(e.RecordedAt)), checkedIn.Gate, checkedIn.ScanId);
            entry.Created = true;
        }

        if (written.Existing.Count > 0)
        {
            // Checked in by another writer since the documents were read (its lock was awaited, so it has committed).
            foreach (var stream in (await store.ReadStreamsAsync(written.Existing, ct: ct)).GroupBy(e => e.StreamId))
            {
                var state = stream.Select(e => e.Data).Aggregate(CheckInDecider.Instance.Initial, CheckInDecider.Instance.Evolve);
                var first = state.First!;
                firsts[first.MemberId].First = new FirstCheckIn(first.ScannedAt, ToMicroseconds(Instant.FromDateTimeOffset(stream.First().RecordedAt)), first.Gate, first.ScanId);
            }
        }

        var opened = opening.Result;
        var again = new List<(Admitted Scan, CheckInView Answer)>();
        foreach (var a in admitted)
        {
            var first = (a.After ?? a).First!;
            var result = a.After is null && a.Created ? CheckInResult.CheckedIn : CheckInDecider.Outcome(first.ScanId, a.Scan.ScanId);
            var answer = new CheckInView(
                result, a.Member.Id, a.Delegation.Id, a.Delegation.Party, opened.Open<PersonalDetails>(a.Member.Person)?.Name, a.Member.Rank, a.Member.IsHead,
                first.ScannedAt, first.RecordedAt, first.Gate, first.ScanId);
            if (result == CheckInResult.AlreadyCheckedIn && a.Scan.Admitted)
            {
                again.Add((a, answer));
            }
            else
            {
                a.Scan.Outcome.TrySetResult(answer);
            }
        }

        // Second admissions (rare: a badge let in at two gates) are answered once recorded, so that a failure makes the scanner send them again.
        foreach (var member in again.GroupBy(a => a.Scan.Member.Id))
        {
            await AdmittedAgainAsync(member.Select(a => a.Scan).ToList(), ct);
            foreach (var (a, answer) in member)
            {
                a.Scan.Outcome.TrySetResult(answer);
            }
        }
    }

    /// <summary>
    /// Records the scans that admitted a checked-in member again, once per scan id: the member's check-in stream is folded
    /// and appended to at the version read, so a writer in another process that got there first makes this one decide again.
    /// </summary>
    private async Task AdmittedAgainAsync(IReadOnlyList<Admitted> scans, CancellationToken ct)
    {
        var decider = CheckInDecider.Instance;
        var streamId = CheckInState.StreamId(scans[0].Member.Id);
        for (var attempt = 1; ; attempt++)
        {
            var (state, version) = await store.AggregateAsync(streamId, decider.Initial, decider.Evolve, ct: ct);
            var events = new List<object>();
            foreach (var a in scans)
            {
                var decided = decider.Decide(new CheckIn(a.Scan.Claim, a.Delegation.Party.Kind, a.Scan.ScanId, a.Scan.ScannedAt, a.Scan.Gate, Admitted: true, a.Scan.Reason), state);
                events.AddRange(decided);
                state = decided.Aggregate(state, decider.Evolve);
            }

            if (events.Count == 0)
            {
                return;
            }

            try
            {
                await store.AppendAsync(streamId, decider.StreamType, ExpectedVersion.Exactly(version), events, scans[0].Scan.Metadata, ct);
                return;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // Another writer appended to the member's stream meanwhile: decide again on what it wrote.
            }
        }
    }

    /// <summary>As the database keeps times (microseconds), so that the first answer and every later one agree to the digit.</summary>
    private static Instant ToMicroseconds(Instant instant)
    {
        var ticks = instant.ToUnixTimeTicks();
        return Instant.FromUnixTimeTicks(ticks - (ticks % 10));
    }
}
