using System.Collections.Concurrent;
using Npgsql;

namespace Forum.EventStore.Projections;

public sealed record ProjectionDaemonOptions
{
    /// <summary>Events handed to a projection per transaction at most (catching up; live, batches are as small as what arrived).</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>How long an idle leader waits before looking again when no local append woke it.</summary>
    public TimeSpan IdlePollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a follower tries to take the lead, and a leader checks it still holds it.</summary>
    public TimeSpan LeadershipInterval { get; init; } = TimeSpan.FromSeconds(1);
}

public sealed record ProjectionStatus(string Name, int Generation, bool Active, GlobalCheckpoint Checkpoint, long EventsBehind, TimeSpan Lag);

/// <summary>A leader lost its lock or another leader moved the checkpoint first: stop and let the lock decide again.</summary>
public sealed class LostLeadershipException(string projection) : Exception($"This process no longer leads projection '{projection}'.");

/// <summary>
/// Runs async projections. Each projection runs in exactly one process (a session advisory lock elects it);
/// it reads committed events in global commit order (see <see cref="EventStore.ReadAllAsync(GlobalCheckpoint,int,CancellationToken)"/>),
/// and commits its document writes together with its checkpoint, which only moves from where this leader
/// read it: a deposed leader's late batch is rolled back, so no event is applied twice.
/// </summary>
public sealed class ProjectionDaemon
{
    private readonly EventStore store;
    private readonly IReadOnlyList<IProjection> projections;
    private readonly ProjectionDaemonOptions options;
    private readonly string s;
    private readonly Dictionary<string, SemaphoreSlim> wakeUps;
    private readonly HashSet<string> leading = [];
    private readonly Lock leadingLock = new();

    /// <summary>Projections whose rebuild this process asked for: their leader reads their generations again at once.</summary>
    private readonly ConcurrentDictionary<string, bool> rebuilds = new(StringComparer.Ordinal);

    public ProjectionDaemon(EventStore store, IEnumerable<IProjection> projections, ProjectionDaemonOptions? options = null)
    {
        this.store = store;
        this.projections = projections.ToList();
        this.options = options ?? new ProjectionDaemonOptions();
        s = Schema.Quote(store.SchemaName);
        wakeUps = this.projections.ToDictionary(p => p.Name, _ => new SemaphoreSlim(0, 1));
        store.Appended += WakeAll;
    }

    /// <summary>Errors the loops recovered from (logged by the host).</summary>
    public event Action<string, Exception>? Error;

    public IReadOnlyList<IProjection> Projections => projections;

    public bool IsLeading(string projection)
    {
        lock (leadingLock)
        {
            return leading.Contains(projection);
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var projection in projections)
        {
            await ProjectionCheckpoints.EnsureAsync(store.DataSource, s, projection.Name, ct);
        }

        try
        {
            await Task.WhenAll(projections.Select(p => Task.Run(() => RunProjectionAsync(p, ct), ct)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            store.Appended -= WakeAll;
        }
    }

    /// <summary>Starts building a new generation from position 0; readers keep the current one until it has caught up.</summary>
    public async Task<int> RequestRebuildAsync(string projection, CancellationToken ct = default)
    {
        await using var cmd = store.DataSource.CreateCommand(
            $"""
            INSERT INTO {s}.projection_checkpoints (name, generation, active)
            SELECT $1, max(generation) + 1, false FROM {s}.projection_checkpoints WHERE name = $1
            RETURNING generation
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        var generation = (int)(await cmd.ExecuteScalarAsync(ct))!;
        rebuilds[projection] = true;
        Wake(projection);
        return generation;
    }

    /// <summary>Health counts the events a projection is behind up to this many: beyond, the lag in time says enough.</summary>
    public const int StatusCountLimit = 10_000;

    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken ct = default)
    {
        await using var cmd = store.DataSource.CreateCommand(
            $"""
            SELECT c.name, c.generation, c.active, c.tx_id, c.position,
                   (SELECT count(*) FROM (SELECT 1 FROM {s}.events e WHERE (e.tx_id, e.position) > (c.tx_id, c.position) LIMIT $2) behind),
                   (SELECT e.recorded_at FROM {s}.events e WHERE (e.tx_id, e.position) > (c.tx_id, c.position) ORDER BY e.tx_id, e.position LIMIT 1)
            FROM {s}.projection_checkpoints c WHERE c.name = ANY($1) ORDER BY c.name, c.generation
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projections.Select(p => p.Name).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = StatusCountLimit });
        var now = store.Time.GetUtcNow();
        var all = new List<ProjectionStatus>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var oldest = reader.IsDBNull(6) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(6);
            all.Add(new ProjectionStatus(
                reader.GetString(0), reader.GetInt32(1), reader.GetBoolean(2), new GlobalCheckpoint(reader.GetInt64(3), reader.GetInt64(4)),
                reader.GetInt64(5), oldest is { } o && now > o ? now - o : TimeSpan.Zero));
        }

        return all;
    }

    /// <summary>Wakes the projections that handle any of the events just appended here; the others see them when they next poll.</summary>
    private void WakeAll(IReadOnlyList<StoredEvent> appended)
    {
        foreach (var projection in projections)
        {
            if (appended.Any(projection.Handles))
            {
                Wake(projection.Name);
            }
        }
    }

    private void Wake(string projection)
    {
        if (wakeUps.TryGetValue(projection, out var wake) && wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake: another append got there first.
            }
        }
    }

    private async Task RunProjectionAsync(IProjection projection, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var lease = await store.DataSource.OpenConnectionAsync(ct);
                if (await TryLeadAsync(lease, projection.Name, ct))
                {
                    SetLeading(projection.Name, true);
                    try
                    {
                        await LeadAsync(projection, lease, ct);
                    }
                    finally
                    {
                        SetLeading(projection.Name, false);
                        await ReleaseAsync(lease, projection.Name);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Error?.Invoke(projection.Name, e);
            }

            await Task.Delay(options.LeadershipInterval, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<bool> TryLeadAsync(NpgsqlConnection lease, string projection, CancellationToken ct)
    {
        // The two-key form lives in a lock space of its own, apart from the streams' one-key locks.
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1), hashtext($2))", lease);
        cmd.Parameters.Add(new NpgsqlParameter { Value = store.SchemaName });
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// A pooled connection keeps its session lock until its next use resets it: release it now, so that another
    /// process can lead at once. (If the connection is broken, the server has released it already.)
    /// </summary>
    private async Task ReleaseAsync(NpgsqlConnection lease, string projection)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))", lease);
            cmd.Parameters.Add(new NpgsqlParameter { Value = store.SchemaName });
            cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
            await cmd.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ObjectDisposedException)
        {
            Error?.Invoke(projection, e);
        }
    }

    /// <summary>
    /// Where a generation has been applied to (Current) and where its stored checkpoint says (Stored). They differ only
    /// when the events read since were none this projection handles: the checkpoint then moves later, in one write
    /// (when the daemon is idle, a second has passed, or it reloads), rather than in a transaction per batch.
    /// </summary>
    private sealed class Cursor(int generation, GlobalCheckpoint stored)
    {
        public int Generation { get; } = generation;

        public GlobalCheckpoint Stored { get; set; } = stored;

        public GlobalCheckpoint Current { get; set; } = stored;

        public long StoredAt { get; set; }
    }

    private async Task LeadAsync(IProjection projection, NpgsqlConnection lease, CancellationToken ct)
    {
        var types = projection.EventTypes is { } handled ? store.Types.StoredNamesOf(handled) : null;
        var cursors = await LoadCursorsAsync(projection.Name, ct);
        var loadedAt = store.Time.GetTimestamp();
        var leaseCheckedAt = loadedAt;
        while (!ct.IsCancellationRequested)
        {
            // The generations are read again now and then: another process may have asked for a rebuild.
            if (rebuilds.TryRemove(projection.Name, out _) || store.Time.GetElapsedTime(loadedAt) >= options.LeadershipInterval)
            {
                await StoreAllAsync(projection.Name, cursors, ct);
                cursors = await LoadCursorsAsync(projection.Name, ct);
                loadedAt = store.Time.GetTimestamp();
            }

            var progressed = false;
            foreach (var cursor in cursors)
            {
                progressed |= await ApplyNextBatchAsync(projection, types, cursor, ct);
                if (cursor.Current != cursor.Stored && (cursors.Count > 1 || store.Time.GetElapsedTime(cursor.StoredAt) >= options.LeadershipInterval))
                {
                    // A rebuild's switch compares stored checkpoints; and lag, as health reports it, stays within a second.
                    await StoreAsync(projection.Name, cursor, ct);
                }
            }

            if (cursors.Count > 1 && await SwitchWhenCaughtUpAsync(projection.Name, ct))
            {
                cursors = await LoadCursorsAsync(projection.Name, ct);
            }

            if (progressed)
            {
                continue;
            }

            if (store.Time.GetElapsedTime(leaseCheckedAt) >= options.LeadershipInterval)
            {
                // A terminated lease connection fails here, and this process stops leading.
                await using var ping = new NpgsqlCommand("SELECT 1", lease);
                await ping.ExecuteScalarAsync(ct);
                leaseCheckedAt = store.Time.GetTimestamp();
            }

            if (!await wakeUps[projection.Name].WaitAsync(options.IdlePollInterval, ct))
            {
                // Quiet: the checkpoint catches up with what was read.
                await StoreAllAsync(projection.Name, cursors, ct);
            }
        }
    }

    private async Task StoreAllAsync(string name, List<Cursor> cursors, CancellationToken ct)
    {
        foreach (var cursor in cursors.Where(c => c.Current != c.Stored))
        {
            await StoreAsync(name, cursor, ct);
        }
    }

    /// <summary>Moves a stored checkpoint up to where its generation has been applied (past events it does not handle).</summary>
    private async Task StoreAsync(string name, Cursor cursor, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await MoveAsync(connection, null, name, cursor, cursor.Current, ct);
    }

    /// <summary>Moves the checkpoint from where this leader stored it; if it is elsewhere, another leader moved it.</summary>
    private async Task MoveAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, Cursor cursor, GlobalCheckpoint to, CancellationToken ct)
    {
        await using var move = new NpgsqlCommand(
            $"""
            UPDATE {s}.projection_checkpoints SET tx_id = $3, position = $4, updated_at = now()
            WHERE name = $1 AND generation = $2 AND tx_id = $5 AND position = $6
            """, connection, tx);
        move.Parameters.Add(new NpgsqlParameter { Value = name });
        move.Parameters.Add(new NpgsqlParameter { Value = cursor.Generation });
        move.Parameters.Add(new NpgsqlParameter { Value = to.TransactionId });
        move.Parameters.Add(new NpgsqlParameter { Value = to.Position });
        move.Parameters.Add(new NpgsqlParameter { Value = cursor.Stored.TransactionId });
        move.Parameters.Add(new NpgsqlParameter { Value = cursor.Stored.Position });
        if (await move.ExecuteNonQueryAsync(ct) != 1)
        {
            if (tx is not null)
            {
                await tx.RollbackAsync(ct);
            }

            throw new LostLeadershipException(name);
        }

        if (tx is not null)
        {
            await tx.CommitAsync(ct);
        }

        cursor.Stored = cursor.Current = to;
        cursor.StoredAt = store.Time.GetTimestamp();
    }

    /// <summary>The projection's generations (the active one first) and their stored checkpoints.</summary>
    private async Task<List<Cursor>> LoadCursorsAsync(string name, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand(
            $"SELECT generation, tx_id, position FROM {s}.projection_checkpoints WHERE name = $1 ORDER BY active DESC, generation");
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        var now = store.Time.GetTimestamp();
        var cursors = new List<Cursor>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            cursors.Add(new Cursor(reader.GetInt32(0), new GlobalCheckpoint(reader.GetInt64(1), reader.GetInt64(2))) { StoredAt = now });
        }

        return cursors;
    }

    /// <summary>
    /// Reads the next events the projection handles after the cursor. None (but others were read past): the cursor
    /// moves in memory only. Some: they are applied, and the checkpoint moves in the same transaction.
    /// </summary>
    private async Task<bool> ApplyNextBatchAsync(IProjection projection, string[]? types, Cursor cursor, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        IReadOnlyList<StoredEvent> events;
        GlobalCheckpoint? readTo;
        if (types is null)
        {
            events = await store.ReadAllAsync(connection, cursor.Current, options.BatchSize, ct);
            readTo = events.Count == 0 ? null : events[^1].Checkpoint;
        }
        else
        {
            (events, readTo) = await store.ReadAllAsync(connection, cursor.Current, options.BatchSize, types, ct);
        }

        if (readTo is not { } to)
        {
            return false;
        }

        if (events.Count == 0)
        {
            cursor.Current = to;
            return true;
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var session = new DocumentSession(connection, tx, store.Types.JsonOptions, s, projection.Name, cursor.Generation, store.Watch))
        {
            await projection.ApplyAsync(events, session, ct);
            await session.FlushAsync(ct);
        }

        await MoveAsync(connection, tx, projection.Name, cursor, to, ct);
        return true;
    }

    /// <summary>When a rebuilt generation has reached the active one's checkpoint, readers switch to it in one transaction.</summary>
    private async Task<bool> SwitchWhenCaughtUpAsync(string name, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"""
            WITH old AS (
                SELECT generation, tx_id, position FROM {s}.projection_checkpoints WHERE name = $1 AND active FOR UPDATE),
            new AS (
                SELECT c.generation FROM {s}.projection_checkpoints c, old
                WHERE c.name = $1 AND NOT c.active AND (c.tx_id, c.position) >= (old.tx_id, old.position)
                ORDER BY c.generation DESC LIMIT 1),
            retire AS (
                DELETE FROM {s}.projection_checkpoints c USING old, new
                WHERE c.name = $1 AND c.generation = old.generation RETURNING c.generation)
            SELECT old.generation, new.generation FROM old, new
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        int oldGeneration, newGeneration;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return false;
            }

            (oldGeneration, newGeneration) = (reader.GetInt32(0), reader.GetInt32(1));
        }

        await using var activate = new NpgsqlCommand(
            $"""
            UPDATE {s}.projection_checkpoints SET active = true WHERE name = @name AND generation = @new;
            DELETE FROM {s}.projection_documents WHERE projection = @name AND generation = @old;
            DELETE FROM {s}.projection_checkpoints WHERE name = @name AND NOT active AND generation < @new;
            """, connection, tx);
        activate.Parameters.AddWithValue("name", name);
        activate.Parameters.AddWithValue("old", oldGeneration);
        activate.Parameters.AddWithValue("new", newGeneration);
        await activate.ExecuteNonQueryAsync(ct);
        if (store.Watch is { } watch && watch.Watches(name))
        {
            // Readers move to other documents: every process forgets what it kept of the old ones.
            await using var batch = new NpgsqlBatch(connection, tx);
            watch.Flushing(name, null, batch);
            await batch.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    private void SetLeading(string name, bool isLeading)
    {
        lock (leadingLock)
        {
            if (isLeading)
            {
                leading.Add(name);
            }
            else
            {
                leading.Remove(name);
            }
        }
    }
}
