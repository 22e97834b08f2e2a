using System.Text.Json;
using Npgsql;

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

    /// <summary>The stored JSON as it is, for endpoints that serve a document without reshaping it.</summary>
    public async Task<string?> LoadJsonAsync(string projection, string id, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT d.data::text FROM {s}.projection_documents d
            JOIN {s}.projection_checkpoints c ON c.name = d.projection AND c.generation = d.generation AND c.active
            WHERE d.projection = $1 AND d.id = $2
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
            JOIN {s}.projection_checkpoints c ON c.name = d.projection AND c.generation = d.generation AND c.active
            WHERE d.projection = $1 AND d.id >= $2 AND d.id < $3
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = fromId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = toId });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Documents whose id starts with <paramref name="idPrefix"/>, in id order.</summary>
    public async Task<IReadOnlyList<T>> ListAsync<T>(string projection, string idPrefix = "", CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT d.data::text FROM {s}.projection_documents d
            JOIN {s}.projection_checkpoints c ON c.name = d.projection AND c.generation = d.generation AND c.active
            WHERE d.projection = $1 AND starts_with(d.id, $2)
            ORDER BY d.id
            """);
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
