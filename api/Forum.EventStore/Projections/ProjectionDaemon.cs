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

    private void WakeAll()
    {
        foreach (var name in wakeUps.Keys)
        {
            Wake(name);
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

    private async Task LeadAsync(IProjection projection, NpgsqlConnection lease, CancellationToken ct)
    {
        var leaseCheckedAt = store.Time.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            var progressed = false;
            var generations = await LoadGenerationsAsync(projection.Name, ct);
            foreach (var (generation, checkpoint, _) in generations)
            {
                progressed |= await ApplyNextBatchAsync(projection, generation, checkpoint, ct);
            }

            if (generations.Count > 1)
            {
                await SwitchWhenCaughtUpAsync(projection.Name, ct);
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

            await wakeUps[projection.Name].WaitAsync(options.IdlePollInterval, ct);
        }
    }

    private async Task<List<(int Generation, GlobalCheckpoint Checkpoint, bool Active)>> LoadGenerationsAsync(string name, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand(
            $"SELECT generation, tx_id, position, active FROM {s}.projection_checkpoints WHERE name = $1 ORDER BY active DESC, generation");
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        var list = new List<(int, GlobalCheckpoint, bool)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add((reader.GetInt32(0), new GlobalCheckpoint(reader.GetInt64(1), reader.GetInt64(2)), reader.GetBoolean(3)));
        }

        return list;
    }

    private async Task<bool> ApplyNextBatchAsync(IProjection projection, int generation, GlobalCheckpoint from, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        var events = await store.ReadAllAsync(connection, from, options.BatchSize, ct);
        if (events.Count == 0)
        {
            return false;
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var session = new DocumentSession(connection, tx, store.Types.JsonOptions, s, projection.Name, generation, store.Watch))
        {
            await projection.ApplyAsync(events, session, ct);
            await session.FlushAsync(ct);
        }

        var to = events[^1].Checkpoint;
        await using var move = new NpgsqlCommand(
            $"""
            UPDATE {s}.projection_checkpoints SET tx_id = $3, position = $4, updated_at = now()
            WHERE name = $1 AND generation = $2 AND tx_id = $5 AND position = $6
            """, connection, tx);
        move.Parameters.Add(new NpgsqlParameter { Value = projection.Name });
        move.Parameters.Add(new NpgsqlParameter { Value = generation });
        move.Parameters.Add(new NpgsqlParameter { Value = to.TransactionId });
        move.Parameters.Add(new NpgsqlParameter { Value = to.Position });
        move.Parameters.Add(new NpgsqlParameter { Value = from.TransactionId });
        move.Parameters.Add(new NpgsqlParameter { Value = from.Position });
        if (await move.ExecuteNonQueryAsync(ct) != 1)
        {
            await tx.RollbackAsync(ct);
            throw new LostLeadershipException(projection.Name);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>When a rebuilt generation has reached the active one's checkpoint, readers switch to it in one transaction.</summary>
    private async Task SwitchWhenCaughtUpAsync(string name, CancellationToken ct)
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
                return;
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
