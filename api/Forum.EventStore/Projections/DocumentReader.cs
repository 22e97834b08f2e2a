using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Forum.EventStore.Projections;

/// <summary>Reads the active generation of a projection's documents (the one readers are served from).</summary>
public sealed class DocumentReader(NpgsqlDataSource dataSource, JsonSerializerOptions json, string schema)
{
    private readonly string s = Schema.Quote(schema);

    public async Task<T?> LoadAsync<T>(string projection, string id, CancellationToken ct = default)
        where T : class
    {
        var text = await LoadJsonAsync(projection, id, ct);
        return text is null ? null : JsonSerializer.Deserialize<T>(text, json);
    }

    /// <summary>
    /// Many documents, of one or more projections, in one query (a batch of requests reads what it needs at once);
    /// each is read as the type given with it, and those that do not exist are absent. With a <paramref name="cache"/>,
    /// a document whose row is unchanged since it was kept there is not sent again: its row version says so.
    /// </summary>
    /// <param name="connection">An open connection to read on (so that a batch's reads and writes share it), or null for one from the pool.</param>
    public async Task<IReadOnlyDictionary<(string Projection, string Id), object>> LoadManyAsync(
        IReadOnlyCollection<(string Projection, string Id, Type Type)> documents, DocumentCache? cache = null, NpgsqlConnection? connection = null, CancellationToken ct = default)
    {
        var wanted = new Dictionary<(string Projection, string Id), (Type Type, DocumentCache.Entry? Kept)>();
        foreach (var (projection, id, type) in documents)
        {
            if (!wanted.ContainsKey((projection, id)))
            {
                wanted[(projection, id)] = (type, cache?.Find(projection, id, type));
            }
        }

        var found = new Dictionary<(string Projection, string Id), object>(wanted.Count);
        if (wanted.Count == 0)
        {
            return found;
        }

        // The active generation as a subquery per wanted row, so that each document is one lookup of the primary key on
        // all three columns (joined to the checkpoints instead, the planner scanned whole projections).
        var sql =
            $"""
            SELECT d.projection, d.id, d.xmin || '@' || d.ctid, CASE WHEN d.xmin || '@' || d.ctid = w.kept THEN NULL ELSE d.data::text END
            FROM unnest($1::text[], $2::text[], $3::text[]) AS w(projection, id, kept)
            JOIN {s}.projection_documents d ON d.projection = w.projection AND d.id = w.id
                AND d.generation = (SELECT c.generation FROM {s}.projection_checkpoints c WHERE c.name = w.projection AND c.active)
            """;
        await using var cmd = connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = wanted.Keys.Select(k => k.Projection).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = wanted.Keys.Select(k => k.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = wanted.Values.Select(v => v.Kept?.RowVersion).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            var (type, kept) = wanted[key];
            if (reader.IsDBNull(3))
            {
                // The row is the one kept (the version compared is the one this read sent, whatever the cache holds now).
                found[key] = kept!.Document;
                continue;
            }

            var document = JsonSerializer.Deserialize(reader.GetString(3), type, json)!;
            found[key] = document;
            cache?.Keep(key.Item1, key.Item2, new DocumentCache.Entry(reader.GetString(2), type, document));
        }

        if (cache is not null)
        {
            // Deleted since: not kept any longer.
            foreach (var (key, (_, kept)) in wanted)
            {
                if (kept is not null && !found.ContainsKey(key))
                {
                    cache.Forget(key.Projection, key.Id);
                }
            }
        }

        return found;
    }

    /// <summary>The stored JSON as it is, for endpoints that serve a document without reshaping it.</summary>
    public async Task<string?> LoadJsonAsync(string projection, string id, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT d.data::text FROM {s}.projection_documents d
            WHERE {ProjectionCheckpoints.ActiveDocuments(s)} AND d.id = $2
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>How many documents have an id in [<paramref name="fromId"/>, <paramref name="toId"/>) (a position in an ordered list).</summary>
    public async Task<long> CountRangeAsync(string projection, string fromId, string toId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT count(*) FROM {s}.projection_documents d
            WHERE {ProjectionCheckpoints.ActiveDocuments(s)} AND d.id >= $2 AND d.id < $3
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = fromId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = toId });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Documents whose id starts with <paramref name="idPrefix"/>, in id order.</summary>
    public Task<IReadOnlyList<T>> ListAsync<T>(string projection, string idPrefix = "", CancellationToken ct = default) =>
        ListAsync<T>(projection, idPrefix, null, ct);

    /// <summary>Documents whose id starts with <paramref name="idPrefix"/>, in id order.</summary>
    /// <param name="connection">An open connection to read on (in its transaction, so with its snapshot), or null for one from the pool.</param>
    public async Task<IReadOnlyList<T>> ListAsync<T>(string projection, string idPrefix, NpgsqlConnection? connection, CancellationToken ct = default)
    {
        var sql =
            $"""
            SELECT d.data::text FROM {s}.projection_documents d
            WHERE {ProjectionCheckpoints.ActiveDocuments(s)} AND {ProjectionCheckpoints.IdPrefix}
            ORDER BY d.id
            """;
        await using var cmd = connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = idPrefix });
        var all = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            all.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), json)!);
        }

        return all;
    }
}
