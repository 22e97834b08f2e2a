using System.Text.Json;
using Forum.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Forum.EventStore;

/// <summary>
/// A decision made under stream locks (see <see cref="EventStore.BeginAsync"/>): read, then append once, then write
/// anything else the decision needs in the same transaction, then commit together with the inline projections.
/// Disposing without <see cref="CommitAsync"/> rolls everything back.
/// </summary>
/// <remarks>
/// Nothing may be written before <see cref="AppendAsync"/>: the append locks its streams before its transaction
/// gets an id, which is what keeps every stream in version order in the global commit order.
/// </remarks>
public sealed class StoreTransaction : IAsyncDisposable
{
    private readonly EventStore store;
    private readonly List<StoredEvent> appended = [];
    private bool hasAppended;

    internal StoreTransaction(EventStore store, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        this.store = store;
        Connection = connection;
        Transaction = transaction;
    }

    /// <summary>For the decision's own tables (written after the append, read at any time).</summary>
    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>Folds a stream as it stands now (its version is 0 when it does not exist).</summary>
    public async Task<(TState State, long Version)> AggregateAsync<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, CancellationToken ct = default)
    {
        var events = await store.ReadStreamAsync(Connection, Transaction, streamId, ct);
        var state = initial;
        foreach (var e in events)
        {
            state = evolve(state, e.Data);
        }

        return (state, events.Count == 0 ? 0 : events[^1].StreamVersion);
    }

    /// <summary>An inline projection's document as this transaction sees it (its own earlier writes are not flushed yet).</summary>
    public async Task<T?> LoadAsync<T>(string projection, string id, CancellationToken ct = default)
        where T : class
    {
        var found = await QueryAsync<T>(projection, "d.id = $2", id, 1, ct);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Many documents at once, by id (ids without a document are absent).</summary>
    public async Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(string projection, IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT d.id, d.data::text FROM {ProjectionCheckpoints.ActiveDocumentsNamed(Schema.Quote(store.SchemaName), "$2")}
            """, Connection, Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var found = new Dictionary<string, T>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[reader.GetString(0)] = JsonSerializer.Deserialize<T>(reader.GetString(1), store.Types.JsonOptions)!;
        }

        return found;
    }

    /// <summary>Up to <paramref name="limit"/> documents whose id starts with <paramref name="idPrefix"/>, in id order.</summary>
    public Task<IReadOnlyList<T>> ListAsync<T>(string projection, string idPrefix, int limit, CancellationToken ct = default) =>
        QueryAsync<T>(projection, ProjectionCheckpoints.IdPrefix, idPrefix, limit, ct);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string projection, string condition, string value, int limit, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT d.data::text FROM {Schema.Quote(store.SchemaName)}.projection_documents d
            WHERE {ProjectionCheckpoints.ActiveDocuments(Schema.Quote(store.SchemaName))} AND {condition}
            ORDER BY d.id LIMIT $3
            """, Connection, Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = projection });
        cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var all = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            all.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), store.Types.JsonOptions)!);
        }

        return all;
    }

    /// <summary>Appends to one or more streams; once per transaction (gather every stream's events into one call).</summary>
    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct = default)
    {
        if (hasAppended)
        {
            throw new InvalidOperationException("A store transaction appends once: its streams are locked before it writes anything.");
        }

        hasAppended = true;
        var results = await store.WriteAsync(Connection, Transaction, appends, metadata, ct);
        appended.AddRange(results.SelectMany(r => r.Events));
        return results;
    }

    /// <summary>Runs the inline projections over what was appended and commits it all.</summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        await store.CommitWithInlineAsync(Connection, Transaction, appended, ct);
        if (appended.Count > 0)
        {
            store.RaiseAppended(appended);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
