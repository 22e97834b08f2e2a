using Forum.EventStore.Projections;
using Npgsql;

namespace Forum.EventStore.Tests;

public sealed record ThingHappened(string Thing, int Writer = 0, int Attempt = 0);

public sealed record ThingRenamed(string From, string To);

/// <summary>A store on a schema of its own, so every test starts from nothing on the real PostgreSQL.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private TestStore(NpgsqlDataSource dataSource, EventStore store, string schema)
    {
        DataSource = dataSource;
        Store = store;
        SchemaName = schema;
    }

    public NpgsqlDataSource DataSource { get; }

    public EventStore Store { get; }

    public string SchemaName { get; }

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("FORUM_TEST_DB")
        ?? throw new InvalidOperationException("FORUM_TEST_DB is not set: run the tests with ./forum test, which starts PostgreSQL.");

    public static EventTypeRegistry NewRegistry() =>
        new EventTypeRegistry().Register<ThingHappened>("thing-happened").Register<ThingRenamed>("thing-renamed");

    public static async Task<TestStore> CreateAsync(string? schema = null, EventTypeRegistry? types = null, TimeProvider? time = null, string applicationName = "forum-tests", bool migrate = true)
    {
        schema ??= "t_" + Guid.NewGuid().ToString("N")[..16];
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = applicationName, MaxPoolSize = 60, MaxAutoPrepare = 64 };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var store = new EventStore(dataSource, types ?? NewRegistry(), time ?? TimeProvider.System, schema);
        if (migrate)
        {
            await store.MigrateAsync();
        }

        return new TestStore(dataSource, store, schema);
    }

    /// <summary>A second "process" on the same schema: its own connection pool, its own store instance.</summary>
    public Task<TestStore> OpenAnotherAsync(string applicationName) => CreateAsync(SchemaName, NewRegistry(), applicationName: applicationName);

    public async Task<long> ScalarAsync(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql.Replace("{s}", "\"" + SchemaName + "\"", StringComparison.Ordinal));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();
}

/// <summary>Waits for a condition with a deadline instead of sleeping.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Not true within {deadline.TotalSeconds} s: {what}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Records, in its own documents, every event it is handed and in which order.</summary>
public sealed class DeliveryLog : IProjection
{
    public string Name => "delivery-log";

    public static async Task<List<Delivered>> ReadAsync(EventStore store) =>
        (await store.Documents.LoadAsync<DeliveryLogDocument>("delivery-log", "log"))?.Entries ?? [];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        var log = await session.LoadAsync<DeliveryLogDocument>("log", ct) ?? new DeliveryLogDocument([]);
        log.Entries.AddRange(events.Select(e => new Delivered(e.EventId, e.StreamId, e.StreamVersion, e.Position, e.TransactionId)));
        session.Store("log", log);
    }
}

public sealed record DeliveryLogDocument(List<Delivered> Entries);

public sealed record Delivered(Guid EventId, string StreamId, long StreamVersion, long Position, long TransactionId);

/// <summary>Counts the events of each stream in a document named after the stream.</summary>
public sealed class ThingCount : IProjection
{
    public string Name => "thing-count";

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        foreach (var e in events)
        {
            var doc = await session.LoadAsync<CountDocument>(e.StreamId, ct) ?? new CountDocument(0);
            session.Store(e.StreamId, doc with { Count = doc.Count + 1 });
        }
    }
}

public sealed record CountDocument(int Count);
