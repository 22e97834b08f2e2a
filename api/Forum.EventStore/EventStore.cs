using System.Text.Json;
using Forum.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Forum.EventStore;

/// <summary>An event store on PostgreSQL: streams with optimistic concurrency, a global commit order, projections.</summary>
public sealed class EventStore
{
    private readonly string s;
    private readonly List<IProjection> inline = [];
    private readonly string[] appendSql;
    private readonly string createStreamsSql;

    /// <remarks>
    /// Give the data source <c>Max Auto Prepare</c> (the API sets 64): appends and reads are then prepared once
    /// per connection and survive the pool's reset, which otherwise throws their plans away on every use.
    /// </remarks>
    public EventStore(NpgsqlDataSource dataSource, EventTypeRegistry types, TimeProvider time, string schema = "forum")
    {
        DataSource = dataSource;
        Types = types;
        Time = time;
        SchemaName = schema;
        s = Schema.Quote(schema);
        Documents = new DocumentReader(dataSource, types.JsonOptions, schema);
        appendSql = [AppendSql(s, one: false), AppendSql(s, one: true), CreateSql(s, one: false), CreateSql(s, one: true)];
        createStreamsSql = CreateStreamsSql(s);
    }

    // Four shapes of one statement: new stream or existing, one event (scalar parameters, the common case) or many.
    private static string AppendSql(string s, bool one) =>
        $"""
        WITH locked AS (
            SELECT pg_advisory_xact_lock(hashtextextended($1, 0))),
        stream AS (
            INSERT INTO {s}.streams AS st (id, type, version, created_at, updated_at)
            SELECT $1, $2, {Count(one)}, $8, $8 FROM locked
            WHERE $3 <= 0 OR EXISTS (SELECT 1 FROM {s}.streams WHERE id = $1)
            ON CONFLICT (id) DO UPDATE SET version = st.version + {Count(one)}, updated_at = excluded.updated_at
            WHERE $3 < 0 OR st.version = $3
            RETURNING st.version - {Count(one)} AS previous)
        {InsertEventsSql(s, one)}
        """;

    /// <summary>
    /// A new stream needs no version check: it is a plain insert, and when the stream exists the primary key
    /// refuses it (turned into a concurrency exception) before any event is written. It still takes the lock
    /// first: a writer that found no row and inserted one concurrently must not get the smaller transaction id.
    /// </summary>
    private static string CreateSql(string s, bool one) =>
        $"""
        WITH locked AS (
            SELECT pg_advisory_xact_lock(hashtextextended($1, 0))),
        stream AS (
            INSERT INTO {s}.streams (id, type, version, created_at, updated_at)
            SELECT $1, $2, {Count(one)}, $8, $8 FROM locked
            RETURNING 0::bigint AS previous, $3::bigint AS expected)
        {InsertEventsSql(s, one)}
        """;

    private static string Count(bool one) => one ? "1" : "cardinality($4::uuid[])";

    private static string InsertEventsSql(string s, bool one) => one
        ? $"""
          INSERT INTO {s}.events (tx_id, stream_id, stream_version, event_id, type, data, recorded_at, actor, correlation_id, causation_id, reason)
          SELECT pg_current_xact_id()::text::bigint, $1, stream.previous + 1, $4, $5, $6, $8, $7, $9, $10, $11 FROM stream
          RETURNING position, tx_id, stream_version, 0::bigint
          """
        : $"""
          INSERT INTO {s}.events (tx_id, stream_id, stream_version, event_id, type, data, recorded_at, actor, correlation_id, causation_id, reason)
          SELECT pg_current_xact_id()::text::bigint, $1, stream.previous + e.n, e.id, e.type, e.data, $8, $7, $9, $10, $11
          FROM stream, unnest($4::uuid[], $5::text[], $6::jsonb[]) WITH ORDINALITY AS e(id, type, data, n)
          ORDER BY e.n
          RETURNING position, tx_id, stream_version, stream_version - (SELECT previous FROM stream) - 1
          """;

    public NpgsqlDataSource DataSource { get; }

    public EventTypeRegistry Types { get; }

    public TimeProvider Time { get; }

    public string SchemaName { get; }

    public DocumentReader Documents { get; }

    public IReadOnlyList<IProjection> InlineProjections => inline;

    /// <summary>Raised (in this process) after every committed append, with its events, so a local daemon need not wait to poll.</summary>
    public event Action<IReadOnlyList<StoredEvent>>? Appended;

    /// <summary>The documents this process keeps in memory and forgets on change (set by <see cref="WatchedDocuments"/>).</summary>
    public WatchedDocuments? Watch { get; internal set; }

    public Task MigrateAsync(CancellationToken ct = default) => Schema.MigrateAsync(DataSource, SchemaName, ct);

    /// <summary>An inline projection commits in the same transaction as the append: reads see their own writes.</summary>
    /// <remarks>
    /// A projection new to this database first catches up with the events already stored, so that a deployment
    /// adding a read model serves it complete. (Appends made meanwhile by processes that do not know the
    /// projection yet are not covered: add projections before rolling out writers that depend on them.)
    /// </remarks>
    public async Task AddInlineProjectionAsync(IProjection projection, CancellationToken ct = default)
    {
        if (await ProjectionCheckpoints.EnsureAsync(DataSource, s, projection.Name, ct))
        {
            var from = GlobalCheckpoint.Start;
            await using var connection = await DataSource.OpenConnectionAsync(ct);
            while (true)
            {
                var events = await ReadAllAsync(connection, from, 5000, ct);
                if (events.Count == 0)
                {
                    break;
                }

                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var session = new DocumentSession(connection, tx, Types.JsonOptions, s, projection.Name, ProjectionCheckpoints.InlineGeneration, Watch))
                {
                    await projection.ApplyAsync(events.HandledBy(projection), session, ct);
                    await session.FlushAsync(ct);
                }

                await tx.CommitAsync(ct);
                from = events[^1].Checkpoint;
            }
        }

        inline.Add(projection);
    }

    public async Task<AppendResult> AppendAsync(string streamId, string streamType, ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata metadata, CancellationToken ct = default) =>
        (await AppendCoreAsync([new StreamAppend(streamId, streamType, expected, events)], metadata, ct))[0];

    /// <summary>Appends to several streams atomically: all or nothing.</summary>
    public Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct = default) =>
        AppendCoreAsync(appends, metadata, ct);

    private async Task<IReadOnlyList<AppendResult>> AppendCoreAsync(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);

        // A single-stream append is one statement: one round trip, its own transaction.
        var single = appends.Count == 1 && inline.Count == 0;
        await using var tx = single ? null : await connection.BeginTransactionAsync(ct);
        var results = await WriteAsync(connection, tx, appends, metadata, ct);
        var events = results.SelectMany(r => r.Events).ToList();
        if (tx is not null)
        {
            await CommitWithInlineAsync(connection, tx, events, ct);
        }

        RaiseAppended(events);
        return results;
    }

    /// <summary>
    /// Starts many new streams in one transaction and one statement (after locking them all, in one order, as any
    /// multi-stream append does). A stream that exists already is left as it is and reported in
    /// <see cref="CreatedStreams.Existing"/>: not an error, and no reason to roll back the others, so callers that
    /// write first events (one per new stream) in batches need no fallback. The inline projections run over what was
    /// written, in the same transaction.
    /// </summary>
    /// <param name="connection">An open connection to write on (so that a batch's reads and writes share it), or null for one from the pool.</param>
    public async Task<CreatedStreams> CreateStreamsAsync(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, NpgsqlConnection? connection = null, CancellationToken ct = default)
    {
        if (appends.Count == 0 || appends.Any(a => a.Events.Count == 0 || a.Expected != ExpectedVersion.NoStream))
        {
            throw new ArgumentException("Each append starts a new stream (ExpectedVersion.NoStream) with at least one event.", nameof(appends));
        }

        if (appends.Select(a => a.StreamId).Distinct(StringComparer.Ordinal).Count() != appends.Count)
        {
            throw new ArgumentException("Each stream appears once.", nameof(appends));
        }

        var recordedAt = Time.GetUtcNow();
        var flat = appends.SelectMany(a => a.Events.Select((e, i) => (Append: a, Event: e, Version: (long)i + 1, Id: Guid.CreateVersion7(recordedAt)))).ToList();
        await using var own = connection is null ? await DataSource.OpenConnectionAsync(ct) : null;
        connection ??= own!;
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        var lockAll = new NpgsqlBatchCommand($"SELECT {s}.lock_streams($1)");
        lockAll.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => a.StreamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        batch.BatchCommands.Add(lockAll);
        var create = new NpgsqlBatchCommand(createStreamsSql);
        create.Parameters.Add(new NpgsqlParameter { Value = flat.Select(f => f.Append.StreamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        create.Parameters.Add(new NpgsqlParameter { Value = flat.Select(f => f.Append.StreamType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        create.Parameters.Add(new NpgsqlParameter { Value = flat.Select(f => f.Version).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        create.Parameters.Add(new NpgsqlParameter { Value = flat.Select(f => f.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        create.Parameters.Add(new NpgsqlParameter { Value = flat.Select(f => Types.NameOf(f.Event.GetType())).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        create.Parameters.Add(new NpgsqlParameter { Value = flat.Select(f => Types.Serialize(f.Event)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        var meta = flat.Select(f => f.Append.Metadata ?? metadata).ToList();
        create.Parameters.Add(new NpgsqlParameter { Value = meta.Select(m => m.Actor).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        create.Parameters.Add(new NpgsqlParameter { Value = meta.Select(m => m.CorrelationId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        create.Parameters.Add(new NpgsqlParameter { Value = meta.Select(m => m.CausationId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        create.Parameters.Add(new NpgsqlParameter { Value = meta.Select(m => m.Reason).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        create.Parameters.Add(new NpgsqlParameter { Value = recordedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(create);

        var written = new Dictionary<Guid, (long Position, long TransactionId)>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                written[reader.GetGuid(2)] = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        var stored = flat.Where(f => written.ContainsKey(f.Id))
            .Select(f => new StoredEvent(written[f.Id].Position, written[f.Id].TransactionId, f.Append.StreamId, f.Version, f.Id, Types.NameOf(f.Event.GetType()), f.Event, f.Append.Metadata ?? metadata, recordedAt))
            .OrderBy(e => e.Position)
            .ToList();
        await CommitWithInlineAsync(connection, tx, stored, ct);
        if (stored.Count > 0)
        {
            RaiseAppended(stored);
        }

        var byStream = stored.ToLookup(e => e.StreamId, StringComparer.Ordinal);
        return new CreatedStreams(
            appends.Where(a => byStream.Contains(a.StreamId)).Select(a => new AppendResult(a.StreamId, a.Events.Count, byStream[a.StreamId].OrderBy(e => e.StreamVersion).ToList())).ToList(),
            appends.Where(a => !byStream.Contains(a.StreamId)).Select(a => a.StreamId).ToList());
    }

    /// <summary>
    /// Every stream whose row could be inserted gets its events; ON CONFLICT DO NOTHING skips those that exist (their
    /// lock is held, so any writer that created one has committed and its row is seen). RETURNING names the events by
    /// id, since it cannot see the input's columns.
    /// </summary>
    private static string CreateStreamsSql(string s) =>
        $"""
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::jsonb[], $7::text[], $8::uuid[], $9::uuid[], $10::text[])
                WITH ORDINALITY AS e(stream_id, stream_type, version, event_id, type, data, actor, correlation_id, causation_id, reason, n)),
        created AS (
            INSERT INTO {s}.streams (id, type, version, created_at, updated_at)
            SELECT stream_id, min(stream_type), max(version), $11, $11 FROM input GROUP BY stream_id
            ON CONFLICT (id) DO NOTHING
            RETURNING id)
        INSERT INTO {s}.events (tx_id, stream_id, stream_version, event_id, type, data, recorded_at, actor, correlation_id, causation_id, reason)
        SELECT pg_current_xact_id()::text::bigint, e.stream_id, e.version, e.event_id, e.type, e.data, $11, e.actor, e.correlation_id, e.causation_id, e.reason
        FROM input e JOIN created c ON c.id = e.stream_id
        ORDER BY e.n
        RETURNING position, tx_id, event_id
        """;

    /// <summary>
    /// Opens a transaction that first takes the locks of <paramref name="lockStreams"/> (the same locks their appends
    /// take), so that what it reads stays true until it commits: a decision that spans streams (a conference's
    /// capacity, say) is made by one writer at a time, in commit order.
    /// </summary>
    public async Task<StoreTransaction> BeginAsync(IReadOnlyCollection<string> lockStreams, CancellationToken ct = default)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            await LockAsync(connection, tx, lockStreams, ct);
            return new StoreTransaction(this, connection, tx);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    internal async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyCollection<string> streams, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {s}.lock_streams($1)", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = streams.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Runs the inline projections over an append's events and commits: their writes and the COMMIT go in one round
    /// trip. So an inline projection sees its own writes of this append, and other projections' documents as they were
    /// before it (none reads another's; <see cref="DocumentSession.LoadFromAsync{T}"/> is for async projections).
    /// </summary>
    internal async Task CommitWithInlineAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var sessions = await ApplyInlineToAsync(batch, events, ct);
        if (sessions.Count == 0)
        {
            await tx.CommitAsync(ct);
            return;
        }

        // Npgsql follows the server's transaction status: after this COMMIT the transaction counts as completed.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct);
        sessions.ForEach(session => session.Flushed());
    }

    /// <summary>Runs the inline projections over <paramref name="events"/> and writes what they changed, in one round trip.</summary>
    internal async Task ApplyInlineAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var sessions = await ApplyInlineToAsync(batch, events, ct);
        if (sessions.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
            sessions.ForEach(session => session.Flushed());
        }
    }

    /// <summary>Each inline projection applies the events it handles; their writes are added to <paramref name="batch"/> (the sessions that wrote are returned).</summary>
    private async Task<List<DocumentSession>> ApplyInlineToAsync(NpgsqlBatch batch, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var sessions = new List<DocumentSession>();
        foreach (var projection in inline)
        {
            if (events.HandledBy(projection) is not { Count: > 0 } handled)
            {
                continue;
            }

            var session = new DocumentSession(batch.Connection!, batch.Transaction!, Types.JsonOptions, s, projection.Name, ProjectionCheckpoints.InlineGeneration, Watch);
            await projection.ApplyAsync(handled, session, ct);
            if (session.AddFlushTo(batch))
            {
                sessions.Add(session);
            }
        }

        return sessions;
    }

    internal void RaiseAppended(IReadOnlyList<StoredEvent> events)
    {
        EventStoreMetrics.EventsAppended.Add(events.Count);
        Appended?.Invoke(events);
    }

    /// <summary>
    /// Writes the events of <paramref name="appends"/> (in <paramref name="tx"/> when given, after locking all their
    /// streams; otherwise as one statement). A stream not at its expected version is a <see cref="ConcurrencyException"/>
    /// and nothing of the append is written (the caller's transaction must then be rolled back).
    /// </summary>
    internal async Task<IReadOnlyList<AppendResult>> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct)
    {
        if (appends.Count == 0 || appends.Any(a => a.Events.Count == 0))
        {
            throw new ArgumentException("An append carries at least one event per stream.", nameof(appends));
        }

        var recordedAt = Time.GetUtcNow();
        var eventIds = appends.Select(a => a.Events.Select(_ => Guid.CreateVersion7(recordedAt)).ToArray()).ToArray();
        var results = new List<AppendResult>(appends.Count);
        try
        {
            await using var batch = new NpgsqlBatch(connection, tx);
            if (tx is not null)
            {
                var lockAll = new NpgsqlBatchCommand($"SELECT {s}.lock_streams($1)");
                lockAll.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => a.StreamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                batch.BatchCommands.Add(lockAll);
            }

            for (var i = 0; i < appends.Count; i++)
            {
                batch.BatchCommands.Add(AppendCommand(appends[i], eventIds[i], appends[i].Metadata ?? metadata, recordedAt));
            }

            StreamAppend? conflicted = null;
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                if (tx is not null)
                {
                    await reader.NextResultAsync(ct);
                }

                for (var i = 0; i < appends.Count && conflicted is null; i++)
                {
                    var append = appends[i];
                    var stored = new List<StoredEvent>(append.Events.Count);
                    while (await reader.ReadAsync(ct))
                    {
                        var version = reader.GetInt64(2);
                        var k = (int)reader.GetInt64(3);
                        var @event = append.Events[k];
                        stored.Add(new StoredEvent(reader.GetInt64(0), reader.GetInt64(1), append.StreamId, version, eventIds[i][k], Types.NameOf(@event.GetType()), @event, append.Metadata ?? metadata, recordedAt));
                    }

                    if (stored.Count == 0)
                    {
                        // The stream was not at the expected version: nothing of this append was written.
                        conflicted = append;
                        break;
                    }

                    stored.Sort((a, b) => a.StreamVersion.CompareTo(b.StreamVersion));
                    results.Add(new AppendResult(append.StreamId, stored[^1].StreamVersion, stored));
                    await reader.NextResultAsync(ct);
                }
            }

            if (conflicted is not null)
            {
                if (tx is not null)
                {
                    await tx.RollbackAsync(ct);
                }

                // The version it is at now: the statement that found the mismatch does not report it.
                throw new ConcurrencyException(conflicted.StreamId, conflicted.Expected, await StreamVersionAsync(conflicted.StreamId, ct) ?? 0);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A stream created by another writer first (or, were the locks bypassed, a version taken twice):
            // a concurrency failure like any other, never a raw 23505. Nothing of the append was written.
            var failed = appends.FirstOrDefault(a => e.BatchCommand?.Parameters[0].Value as string == a.StreamId) ?? appends[0];
            throw new ConcurrencyException(failed.StreamId, failed.Expected, await StreamVersionAsync(failed.StreamId, ct) ?? 0);
        }

        return results;
    }

    /// <summary>
    /// One statement: lock the stream (before anything is written, so before the transaction gets its id), then
    /// move the stream's version if it is the expected one, and write the events after it. The version check
    /// runs in ON CONFLICT DO UPDATE, which sees the latest committed row whatever the statement's snapshot.
    /// No row back means the stream was not at the expected version, and nothing was written.
    /// </summary>
    private NpgsqlBatchCommand AppendCommand(StreamAppend append, Guid[] ids, EventMetadata metadata, DateTimeOffset recordedAt)
    {
        var one = append.Events.Count == 1;
        var command = new NpgsqlBatchCommand(appendSql[(append.Expected == ExpectedVersion.NoStream ? 2 : 0) + (one ? 1 : 0)]);
        command.Parameters.Add(new NpgsqlParameter { Value = append.StreamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = append.StreamType, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = append.Expected.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (one)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ids[0], NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = Types.NameOf(append.Events[0].GetType()), NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = Types.Serialize(append.Events[0]), NpgsqlDbType = NpgsqlDbType.Jsonb });
        }
        else
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = append.Events.Select(e => Types.NameOf(e.GetType())).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = append.Events.Select(Types.Serialize).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        }

        command.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata.Actor ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = recordedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = metadata.CorrelationId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = metadata.CausationId is { } causation ? causation : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }

    /// <summary>The stream's current version, or null when it does not exist.</summary>
    public async Task<long?> StreamVersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand($"SELECT version FROM {s}.streams WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = streamId });
        return await cmd.ExecuteScalarAsync(ct) is long version ? version : null;
    }

    /// <summary>Reads a stream in version order, optionally only up to a version or as it stood at an instant.</summary>
    /// <param name="connection">An open connection to read on (so that one request's reads share it), or null for one from the pool.</param>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long? upToVersion = null, DateTimeOffset? asOf = null, NpgsqlConnection? connection = null, CancellationToken ct = default)
    {
        await using var cmd = connection is null ? DataSource.CreateCommand(ReadStreamSql) : new NpgsqlCommand(ReadStreamSql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = streamId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = upToVersion ?? long.MaxValue });
        cmd.Parameters.Add(new NpgsqlParameter { Value = asOf.HasValue ? asOf.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await ReadEventsAsync(cmd, ct);
    }

    private string ReadStreamSql =>
        $"SELECT {Columns} FROM {s}.events WHERE stream_id = $1 AND stream_version <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3) ORDER BY stream_version";

    internal async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string streamId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(ReadStreamSql, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = streamId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = long.MaxValue });
        cmd.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await ReadEventsAsync(cmd, ct);
    }

    /// <summary>
    /// Rebuilds every inline projection from position 0. Appends wait meanwhile (the events table is locked against
    /// writes, not reads), and readers see the old documents until the new ones commit, all at once.
    /// </summary>
    public async Task RebuildInlineProjectionsAsync(CancellationToken ct = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand($"LOCK TABLE {s}.events IN EXCLUSIVE MODE", connection, tx))
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await using (var cmd = new NpgsqlCommand($"DELETE FROM {s}.projection_documents WHERE projection = ANY($1) AND generation = $2", connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = inline.Select(p => p.Name).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = ProjectionCheckpoints.InlineGeneration });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        // With writes locked out every stored event is committed: read them all, in commit order.
        var from = GlobalCheckpoint.Start;
        while (true)
        {
            await using var cmd = new NpgsqlCommand($"SELECT {Columns} FROM {s}.events WHERE (tx_id, position) > ($1, $2) ORDER BY tx_id, position LIMIT 5000", connection, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = from.TransactionId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = from.Position });
            var events = await ReadEventsAsync(cmd, ct);
            if (events.Count == 0)
            {
                break;
            }

            await ApplyInlineAsync(connection, tx, events, ct);
            from = events[^1].Checkpoint;
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Reads several streams at once, each in version order, interleaved in global position order.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamsAsync(IReadOnlyCollection<string> streamIds, DateTimeOffset? asOf = null, CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand(
            $"SELECT {Columns} FROM {s}.events WHERE stream_id = ANY($1) AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY position");
        cmd.Parameters.Add(new NpgsqlParameter { Value = streamIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = asOf.HasValue ? asOf.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await ReadEventsAsync(cmd, ct);
    }

    /// <summary>Folds a stream with a pure evolve function; returns the state and the stream's version (0 when empty).</summary>
    public async Task<(TState State, long Version)> AggregateAsync<TState>(
        string streamId, TState initial, Func<TState, object, TState> evolve, long? upToVersion = null, DateTimeOffset? asOf = null, NpgsqlConnection? connection = null, CancellationToken ct = default)
    {
        var events = await ReadStreamAsync(streamId, upToVersion, asOf, connection, ct);
        var state = initial;
        foreach (var e in events)
        {
            state = evolve(state, e.Data);
        }

        return (state, events.Count == 0 ? 0 : events[^1].StreamVersion);
    }

    /// <summary>
    /// Committed events after <paramref name="after"/> in the global commit order. Only transactions older than
    /// the oldest one still running are read, so an event committed late by a slow transaction is never skipped.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(GlobalCheckpoint after, int limit, CancellationToken ct = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        return await ReadAllAsync(connection, after, limit, ct);
    }

    internal async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(NpgsqlConnection connection, GlobalCheckpoint after, int limit, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT {Columns} FROM {s}.events
            WHERE (tx_id, position) > ($1, $2)
              AND tx_id < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
            ORDER BY tx_id, position
            LIMIT $3
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = after.TransactionId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = after.Position });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadEventsAsync(cmd, ct);
    }

    /// <summary>
    /// Like <see cref="ReadAllAsync(GlobalCheckpoint,int,CancellationToken)"/>, but only events stored under
    /// <paramref name="types"/> (<see cref="EventTypeRegistry.StoredNamesOf"/>): of the next <paramref name="limit"/>
    /// events in commit order, those of these types. ReadTo is where the reader may move once it has handled them: the
    /// last of the events looked at, whatever its type (null: nothing new). Both come from one statement, so from one
    /// snapshot: no event of these types can fall between them.
    /// </summary>
    /// <remarks>
    /// The events are looked at through the commit order's index, in its order, and at most <paramref name="limit"/> of
    /// them, whatever the statistics say: the window is the plain ordered walk of the untyped read, and the events of
    /// these types are then fetched by their row ids. (Filtering by type in the walk itself left the plan to the
    /// statistics: on a table never analysed, after a deployment or a restore, the planner read every event after the
    /// checkpoint through a bitmap and sorted them, for every batch.)
    /// </remarks>
    internal async Task<(IReadOnlyList<StoredEvent> Events, GlobalCheckpoint? ReadTo)> ReadAllAsync(
        NpgsqlConnection connection, GlobalCheckpoint after, int limit, string[] types, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            WITH seen AS MATERIALIZED (
                SELECT ctid AS row_id, tx_id AS seen_tx, position AS seen_position, type AS seen_type FROM {s}.events
                WHERE (tx_id, position) > ($1, $2)
                  AND tx_id < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
                ORDER BY tx_id, position
                LIMIT $3),
            last AS (
                SELECT seen_tx, seen_position FROM seen ORDER BY seen_tx DESC, seen_position DESC LIMIT 1)
            SELECT m.*, l.seen_tx, l.seen_position FROM last l LEFT JOIN LATERAL (
                SELECT {Columns} FROM {s}.events
                WHERE ctid = ANY (ARRAY(SELECT row_id FROM seen WHERE seen_type = ANY($4)))) m ON true
            ORDER BY m.tx_id, m.position
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = after.TransactionId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = after.Position });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit });
        cmd.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var events = new List<StoredEvent>();
        GlobalCheckpoint? readTo = null;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            readTo = new GlobalCheckpoint(reader.GetInt64(ColumnCount), reader.GetInt64(ColumnCount + 1));
            if (!reader.IsDBNull(0))
            {
                events.Add(ReadEvent(reader));
            }
        }

        return (events, readTo);
    }

    /// <summary>The newest point of the global commit order that the daemon may read now.</summary>
    public async Task<GlobalCheckpoint> HeadAsync(CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand(
            $"""
            SELECT tx_id, position FROM {s}.events
            WHERE tx_id < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
            ORDER BY tx_id DESC, position DESC LIMIT 1
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new GlobalCheckpoint(reader.GetInt64(0), reader.GetInt64(1)) : GlobalCheckpoint.Start;
    }

    private const string Columns = "position, tx_id, stream_id, stream_version, event_id, type, data::text AS data, recorded_at, actor, correlation_id, causation_id, reason";

    private const int ColumnCount = 12;

    private async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var events = new List<StoredEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(ReadEvent(reader));
        }

        return events;
    }

    private StoredEvent ReadEvent(NpgsqlDataReader reader)
    {
        var (name, data) = Types.Deserialize(reader.GetString(5), reader.GetString(6));
        var metadata = new EventMetadata(
            reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetGuid(9), reader.IsDBNull(10) ? null : reader.GetGuid(10), reader.IsDBNull(11) ? null : reader.GetString(11));
        return new StoredEvent(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetGuid(4),
            name, data, metadata, reader.GetFieldValue<DateTimeOffset>(7));
    }
}
