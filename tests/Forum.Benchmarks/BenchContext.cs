using Forum.EventStore;
using Npgsql;

namespace Forum.Benchmarks;

/// <summary>What every benchmark shares: the data source, the options, the event types, and a fresh schema per benchmark.</summary>
internal sealed class BenchContext(NpgsqlDataSource dataSource, BenchOptions options) : IAsyncDisposable
{
    // A run tag keeps two runs against the same database out of each other's schemas.
    private readonly string runTag = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
    private readonly List<string> schemas = [];
    private bool checkpointDenied;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    public BenchOptions Options { get; } = options;

    public EventTypeRegistry Types { get; } = BenchEvents.CreateRegistry();

    public static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>A new, empty schema; dropped again when the run ends.</summary>
    public async Task<string> NewSchemaAsync(string name)
    {
        var schema = $"bench_{runTag}_{name}";
        await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\"");
        schemas.Add(schema);
        return schema;
    }

    /// <summary>An event store in a fresh schema, migrated, on the system clock (RecordedAt is what lag is measured from).</summary>
    public async Task<EventStore.EventStore> NewStoreAsync(string name)
    {
        var store = new EventStore.EventStore(DataSource, Types, TimeProvider.System, await NewSchemaAsync(name));
        await store.MigrateAsync();
        return store;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Flushes dirty pages before a window, so that every window starts right after a checkpoint and pays the same
    /// full-page-write cost, instead of one side meeting a checkpoint the other did not.
    /// </summary>
    public async Task CheckpointAsync()
    {
        if (checkpointDenied)
        {
            return;
        }

        try
        {
            await ExecuteAsync("CHECKPOINT");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            checkpointDenied = true;
            Log("note: CHECKPOINT needs a superuser (or pg_checkpoint); windows are not aligned to checkpoints");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var schema in schemas)
        {
            try
            {
                await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            }
            catch (NpgsqlException e)
            {
                Log($"could not drop schema {schema}: {e.Message}");
            }
        }
    }
}
