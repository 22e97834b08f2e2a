using Npgsql;

namespace Forum.EventStore.Projections;

internal static class ProjectionCheckpoints
{
    public const int InlineGeneration = 1;

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
