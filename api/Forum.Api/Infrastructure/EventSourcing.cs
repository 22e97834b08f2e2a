using Forum.EventStore;
using Forum.EventStore.Projections;
using Npgsql;

namespace Forum.Api.Infrastructure;

/// <summary>What a feature contributes to the store: its event names, upcasters and projections.</summary>
public interface IEventSourcedFeature
{
    void RegisterEvents(EventTypeRegistry registry);

    IEnumerable<IProjection> InlineProjections => [];

    IEnumerable<IProjection> AsyncProjections => [];

    /// <summary>Projections whose documents each process keeps in memory, forgotten when any process changes them.</summary>
    IEnumerable<string> WatchedProjections => [];

    /// <summary>Tables of the feature's own, by component; a component's list only ever grows at its end.</summary>
    IEnumerable<(string Component, IReadOnlyList<string> Migrations)> Migrations => [];
}

public sealed class StoreSettings
{
    public string Schema { get; set; } = "forum";
}

public static class EventSourcingSetup
{
    public static IServiceCollection AddEventSourcing(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<StoreSettings>(configuration.GetSection("EventStore"));
        services.AddSingleton(_ =>
        {
            var connectionString = configuration.GetConnectionString("Forum")
                ?? throw new InvalidOperationException("ConnectionStrings:Forum is not set (./forum run sets it).");
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.ApplicationName ??= "forum-api";

            // A pooled connection is not reset when it is given back (seven statements before its next query): nothing
            // leaves session state behind. Session locks are released by the code that takes them, the listeners
            // UNLISTEN before giving their connection back, and an open transaction is still rolled back by Npgsql.
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            builder.TraceOnlyWithinATrace();
            return builder.Build();
        });
        services.AddSingleton(sp =>
        {
            var registry = new EventTypeRegistry(Json.CreateOptions());
            foreach (var feature in sp.GetServices<IEventSourcedFeature>())
            {
                feature.RegisterEvents(registry);
            }

            return registry;
        });
        services.AddSingleton(sp => new EventStore.EventStore(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<EventTypeRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            configuration.GetSection("EventStore")["Schema"] ?? "forum"));
        services.AddSingleton(sp => new ProjectionDaemon(
            sp.GetRequiredService<EventStore.EventStore>(),
            sp.GetServices<IEventSourcedFeature>().SelectMany(f => f.AsyncProjections)));
        services.AddHostedService<ProjectionDaemonService>();
        services.AddSingleton(sp => new WatchedDocuments(
            sp.GetRequiredService<EventStore.EventStore>(), sp.GetServices<IEventSourcedFeature>().SelectMany(f => f.WatchedProjections)));
        services.AddHostedService<WatchedDocumentsListener>();
        return services;
    }

    /// <summary>Migrates the schema and registers inline projections before the first request.</summary>
    public static async Task InitializeEventStoreAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var store = services.GetRequiredService<EventStore.EventStore>();
        // Made before any write, so that every flush of a watched projection tells the other processes.
        services.GetRequiredService<WatchedDocuments>();
        await store.MigrateAsync(ct);
        await Schema.MigrateComponentAsync(store.DataSource, store.SchemaName, "personal-data", PersonalDataVault.Migrations, ct);
        await Schema.MigrateComponentAsync(store.DataSource, store.SchemaName, "idempotency", IdempotencyKeys.Migrations, ct);
        foreach (var (component, migrations) in services.GetServices<IEventSourcedFeature>().SelectMany(f => f.Migrations))
        {
            await Schema.MigrateComponentAsync(store.DataSource, store.SchemaName, component, migrations, ct);
        }

        foreach (var projection in services.GetServices<IEventSourcedFeature>().SelectMany(f => f.InlineProjections))
        {
            await store.AddInlineProjectionAsync(projection, ct);
        }
    }
}

/// <summary>Listens for changes to watched documents for as long as the process runs.</summary>
public sealed class WatchedDocumentsListener(WatchedDocuments watched) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => watched.ListenAsync(stoppingToken);
}

public sealed class ProjectionDaemonService(ProjectionDaemon daemon, ILogger<ProjectionDaemonService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        daemon.Error += (projection, e) => logger.LogWarning(e, "Projection {Projection} stopped and will resume from its checkpoint", projection);
        return daemon.RunAsync(stoppingToken);
    }
}

/// <summary>
/// The one way features change a stream: fold it, check If-Match (412 when stale), decide, append with the
/// folded version as the expected one (409 when another writer got there first).
/// </summary>
public sealed class EventStreamWriter(EventStore.EventStore store)
{
    public EventStore.EventStore Store => store;

    public async Task<(TState State, long Version)> LoadAsync<TState>(IDecider<TState> decider, string streamId, CancellationToken ct = default) =>
        await store.AggregateAsync(streamId, decider.Initial, decider.Evolve, ct: ct);

    public async Task<(TState State, long Version)> HandleAsync<TState, TCommand>(
        IDecider<TState, TCommand> decider, string streamId, TCommand command, string actor, long? ifMatch, string? reason = null, CancellationToken ct = default)
    {
        var (state, version) = await LoadAsync(decider, streamId, ct);
        ETags.RequireMatch(ifMatch, version, "the resource");

        var events = decider.Decide(command, state);
        if (events.Count == 0)
        {
            return (state, version);
        }

        await store.AppendAsync(streamId, decider.StreamType, ExpectedVersion.Exactly(version), events, EventMetadata.For(actor, reason), ct);
        foreach (var e in events)
        {
            state = decider.Evolve(state, e);
        }

        return (state, version + events.Count);
    }
}

/// <summary>A stream's pure decision functions: Decide(command, state) → events; Evolve(state, event) → state.</summary>
public interface IDecider<TState>
{
    string StreamType { get; }

    TState Initial { get; }

    TState Evolve(TState state, object change);
}

public interface IDecider<TState, in TCommand> : IDecider<TState>
{
    IReadOnlyList<object> Decide(TCommand command, TState state);
}

public static class ETags
{
    public static string Format(long version) => $"\"{version}\"";

    /// <summary>The version an If-Match header names, null when absent; a malformed one is a 412 like any stale one.</summary>
    public static long? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*")
        {
            return null;
        }

        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        return long.TryParse(value.Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : -1;
    }

    public static void Set(HttpContext context, long version) => context.Response.Headers.ETag = Format(version);

    /// <summary>A stale If-Match is a 412 and nothing is written; no If-Match means no condition.</summary>
    public static void RequireMatch(long? ifMatch, long current, string what)
    {
        if (ifMatch is { } expected && expected != current)
        {
            throw new ProblemException(StatusCodes.Status412PreconditionFailed, "precondition_failed", "Precondition failed",
                $"If-Match names version {expected}, but {what} is at version {current}; nothing was changed.",
                new Dictionary<string, object?> { ["currentVersion"] = current });
        }
    }
}
