using Npgsql;

namespace Forum.EventStore.Projections;

internal static class ProjectionCheckpoints
{
    public const int InlineGeneration = 1;

    /// <summary>
    /// Documents d of projection $1 in its active generation. The generation is a subquery that names no column of d, so
    /// PostgreSQL computes it once and looks documents up on the whole primary key; joined to the checkpoints instead,
    /// it looked up (projection) alone and filtered every document of the projection (8 ms for a registration's few).
    /// </summary>
    public static string ActiveDocuments(string s) =>
        $"d.projection = $1 AND d.generation = (SELECT c.generation FROM {s}.projection_checkpoints c WHERE c.name = $1 AND c.active)";

    /// <summary>
    /// The documents of projection $1's active generation named in the text array <paramref name="ids"/>, as d: one
    /// primary-key lookup per id, whatever the statistics say (the LIMIT keeps the planner from turning the lateral
    /// lookup back into a join). (Written as a join or with "id = ANY", a plan made
    /// while the table was small, as it is after a deployment, read every document of the projection: 5 to 15 ms.)
    /// </summary>
    public static string ActiveDocumentsNamed(string s, string ids) =>
        $"""
        unnest({ids}::text[]) AS w(id) CROSS JOIN LATERAL (
            SELECT x.id, x.data FROM {s}.projection_documents x
            WHERE x.projection = $1 AND x.generation = (SELECT c.generation FROM {s}.projection_checkpoints c WHERE c.name = $1 AND c.active) AND x.id = w.id
            LIMIT 1) d
        """;

    /// <summary>
    /// Ids starting with $2, as a range of the primary key: from the prefix to the prefix with its last character
    /// raised (ids compare byte by byte, so that is where the ids with this prefix end; prefixes are made by code and
    /// never end in U+10FFFF). The empty prefix is every id.
    /// </summary>
    public const string IdPrefix =
        "d.id >= $2 AND d.id < (CASE WHEN $2 = '' THEN chr(1114111) ELSE left($2, -1) || chr(ascii(right($2, 1)) + 1) END) AND starts_with(d.id, $2)";

    /// <summary>Registers a projection's first generation as the active one, if it has none yet; true when it was new.</summary>
    public static async Task<bool> EnsureAsync(NpgsqlDataSource dataSource, string s, string name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            INSERT INTO {s}.projection_checkpoints (name, generation, active)
            SELECT $1, 1, true WHERE NOT EXISTS (SELECT 1 FROM {s}.projection_checkpoints WHERE name = $1)
            ON CONFLICT DO NOTHING
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}
