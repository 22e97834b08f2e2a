using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Forum.EventStore.Projections;

/// <summary>
/// A projection's documents within one transaction: loads are cached, writes are buffered and flushed in
/// one statement each for upserts and deletes, so a batch of thousands of events costs a few round trips.
/// </summary>
public sealed class DocumentSession : IAsyncDisposable
{
    private readonly NpgsqlConnection connection;
    private readonly NpgsqlTransaction transaction;
    private readonly JsonSerializerOptions json;
    private readonly string s;
    private readonly Dictionary<string, object?> loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> pending = new(StringComparer.Ordinal);

    private readonly WatchedDocuments? watch;

    internal DocumentSession(
        NpgsqlConnection connection, NpgsqlTransaction transaction, JsonSerializerOptions json, string quotedSchema, string projection, int generation, WatchedDocuments? watch = null)
    {
        this.watch = watch is not null && watch.Watches(projection) ? watch : null;
        this.connection = connection;
        this.transaction = transaction;
        this.json = json;
        s = quotedSchema;
        Projection = projection;
        Generation = generation;
    }

    public string Projection { get; }

    public int Generation { get; }

    /// <summary>The transaction the projection's writes and checkpoint commit in, for projections with tables of their own.</summary>
    public NpgsqlConnection Connection => connection;

    public NpgsqlTransaction Transaction => transaction;

    public async Task<T?> LoadAsync<T>(string id, CancellationToken ct = default)
        where T : class
    {
        if (pending.TryGetValue(id, out var p) || loaded.TryGetValue(id, out p))
        {
            return (T?)p;
        }

        await using var cmd = new NpgsqlCommand($"SELECT data::text FROM {s}.projection_documents WHERE projection = $1 AND generation = $2 AND id = $3", connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = Projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Generation });
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        var text = await cmd.ExecuteScalarAsync(ct) as string;
        var doc = text is null ? null : JsonSerializer.Deserialize<T>(text, json);
        loaded[id] = doc;
        return doc;
    }

    /// <summary>Loads many documents in one round trip (ids without a document are simply absent).</summary>
    public async Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(IEnumerable<string> ids, CancellationToken ct = default)
        where T : class
    {
        var wanted = ids.Distinct(StringComparer.Ordinal).ToList();
        await PrefetchAsync(wanted.Select(id => (id, typeof(T))).ToList(), ct);
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var id in wanted)
        {
            if ((pending.TryGetValue(id, out var doc) || loaded.TryGetValue(id, out doc)) && doc is T found)
            {
                result[id] = found;
            }
        }

        return result;
    }

    /// <summary>Loads documents of several types in one round trip into this session, for the loads that follow.</summary>
    public async Task PrefetchAsync(IReadOnlyCollection<(string Id, Type Type)> documents, CancellationToken ct = default)
    {
        var wanted = documents.Where(d => !pending.ContainsKey(d.Id) && !loaded.ContainsKey(d.Id)).DistinctBy(d => d.Id).ToDictionary(d => d.Id, d => d.Type, StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return;
        }

        // One primary-key lookup per id, whatever the table's statistics say (with "id = ANY", a plan made while the table
        // was small read every document of the projection; the LIMIT keeps the lookup from being turned into a join).
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT d.id, d.data::text FROM unnest($3::text[]) AS w(id) CROSS JOIN LATERAL (
                SELECT x.id, x.data FROM {s}.projection_documents x WHERE x.projection = $1 AND x.generation = $2 AND x.id = w.id LIMIT 1) d
            """,
            connection,
            transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = Projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Generation });
        cmd.Parameters.Add(new NpgsqlParameter { Value = wanted.Keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        foreach (var id in wanted.Keys)
        {
            loaded[id] = null;
        }

        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            loaded[id] = JsonSerializer.Deserialize(reader.GetString(1), wanted[id], json);
        }
    }

    /// <summary>
    /// A document of another projection (its active generation), read in this transaction: for projections that
    /// render what others keep. An async projection sees it as committed now, which may be ahead of the event at hand.
    /// </summary>
    public async Task<T?> LoadFromAsync<T>(string projection, string id, CancellationToken ct = default)
        where T : class => await QueryOtherAsync<T>(projection, "d.id = $2", id, ct) is { Count: > 0 } found ? found[0] : null;

    /// <summary>Documents of another projection whose id starts with <paramref name="idPrefix"/>, in id order.</summary>
    public Task<IReadOnlyList<T>> ListFromAsync<T>(string projection, string idPrefix, CancellationToken ct = default) =>
        QueryOtherAsync<T>(projection, ProjectionCheckpoints.IdPrefix, idPrefix, ct);

    private async Task<IReadOnlyList<T>> QueryOtherAsync<T>(string projection, string condition, string value, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT d.data::text FROM {s}.projection_documents d
            WHERE {ProjectionCheckpoints.ActiveDocuments(s)} AND {condition}
            ORDER BY d.id
            """, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        var all = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            all.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), json)!);
        }

        return all;
    }

    public void Store<T>(string id, T document)
        where T : class => pending[id] = document;

    public void Delete(string id) => pending[id] = null;

    public async Task FlushAsync(CancellationToken ct = default)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (AddFlushTo(batch))
        {
            await batch.ExecuteNonQueryAsync(ct);
            Flushed();
        }
    }

    /// <summary>Adds the buffered writes to <paramref name="batch"/> (false: nothing to write); call <see cref="Flushed"/> once it ran.</summary>
    internal bool AddFlushTo(NpgsqlBatch batch)
    {
        if (pending.Count == 0)
        {
            return false;
        }

        var upserts = pending.Where(p => p.Value is not null).ToList();
        var deletes = pending.Where(p => p.Value is null).Select(p => p.Key).ToArray();
        if (upserts.Count > 0)
        {
            var upsert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO {s}.projection_documents (projection, generation, id, data)
                SELECT $1, $2, id, data FROM unnest($3::text[], $4::jsonb[]) AS d(id, data)
                ON CONFLICT (projection, generation, id) DO UPDATE SET data = excluded.data
                """);
            upsert.Parameters.Add(new NpgsqlParameter { Value = Projection });
            upsert.Parameters.Add(new NpgsqlParameter { Value = Generation });
            upsert.Parameters.Add(new NpgsqlParameter { Value = upserts.Select(u => u.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new NpgsqlParameter { Value = upserts.Select(u => JsonSerializer.Serialize(u.Value, u.Value!.GetType(), json)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            batch.BatchCommands.Add(upsert);
        }

        if (deletes.Length > 0)
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {s}.projection_documents WHERE projection = $1 AND generation = $2 AND id = ANY($3)");
            delete.Parameters.Add(new NpgsqlParameter { Value = Projection });
            delete.Parameters.Add(new NpgsqlParameter { Value = Generation });
            delete.Parameters.Add(new NpgsqlParameter { Value = deletes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands.Add(delete);
        }

        watch?.Flushing(Projection, pending.Keys.ToList(), batch);
        return true;
    }

    internal void Flushed()
    {
        foreach (var (id, doc) in pending)
        {
            loaded[id] = doc;
        }

        pending.Clear();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
