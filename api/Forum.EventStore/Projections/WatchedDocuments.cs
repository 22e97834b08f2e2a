using System.Collections.Concurrent;
using Npgsql;

namespace Forum.EventStore.Projections;

/// <summary>
/// Documents of chosen projections kept in memory, and dropped when any process changes them. Every flush of such a
/// projection sends, in its own transaction, a PostgreSQL notification naming what it wrote (delivered at commit, to
/// every listening process); each process listens on one connection and forgets what was named. So a hot read (a
/// feed token's grant, the stamp of a rendering) costs no query, and a change is seen everywhere within the time a
/// notification takes, and at once by the process that made it.
/// </summary>
/// <remarks>
/// A read that misses goes to the database and keeps what it read only if nothing was forgotten meanwhile (a
/// generation counter), so an answer read before a change is never kept after it. While the listening connection is
/// down, nothing is kept or served from memory: reads go to the database, and the memory is emptied on reconnection.
/// </remarks>
public sealed class WatchedDocuments
{
    /// <summary>Past this many documents named in one flush, the notification drops the whole projection.</summary>
    private const int MaxNamed = 200;

    private static readonly object Absent = new();

    private readonly EventStore store;
    private readonly HashSet<string> projections;
    private readonly int capacity;
    private readonly ConcurrentDictionary<(string Projection, string Id), object> entries = new();
    private long generation;
    private long heard;
    private volatile bool listening;

    public WatchedDocuments(EventStore store, IEnumerable<string> projections, int capacity = 100_000)
    {
        this.store = store;
        this.projections = projections.ToHashSet(StringComparer.Ordinal);
        this.capacity = capacity;
        Channel = $"forum_documents_{store.SchemaName}";
        store.Watch = this;
    }

    /// <summary>The notification channel of this store's schema.</summary>
    public string Channel { get; }

    /// <summary>Whether changes are heard (and so documents kept); otherwise every read goes to the database.</summary>
    public bool IsListening => listening;

    /// <summary>How many notifications this process has heard (its own included): for health checks and tests.</summary>
    public long Heard => Interlocked.Read(ref heard);

    public bool Watches(string projection) => projections.Contains(projection);

    /// <summary>A document of a watched projection from memory when kept, otherwise from the database (and then kept).</summary>
    public async Task<T?> LoadAsync<T>(string projection, string id, CancellationToken ct = default)
        where T : class
    {
        if (!listening || !Watches(projection))
        {
            return await store.Documents.LoadAsync<T>(projection, id, ct);
        }

        if (entries.TryGetValue((projection, id), out var kept) && (kept == Absent || kept is T))
        {
            return kept as T;
        }

        var before = Interlocked.Read(ref generation);
        var document = await store.Documents.LoadAsync<T>(projection, id, ct);
        if (listening && Interlocked.Read(ref generation) == before)
        {
            if (entries.Count >= capacity)
            {
                entries.Clear();
            }

            entries[(projection, id)] = document ?? Absent;
        }

        return document;
    }

    /// <summary>Listens until cancelled, reconnecting after a failure (and forgetting everything while not listening).</summary>
    public async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Listening.ListenAsync(
                    store.DataSource,
                    Channel,
                    OnNotification,
                    () =>
                    {
                        Forget();
                        listening = true;
                    },
                    ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // Reconnect below; meanwhile reads go to the database.
            }
            finally
            {
                listening = false;
                Forget();
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Called by a flush, in its transaction: forgets now, and adds the notification that reaches the others at
    /// commit. Null (or too many to name) stands for every document of the projection.
    /// </summary>
    internal void Flushing(string projection, IReadOnlyCollection<string>? ids, NpgsqlBatch batch)
    {
        if (ids is { Count: > MaxNamed })
        {
            ids = null;
        }

        Forget(projection, ids);
        var notify = new NpgsqlBatchCommand(ids is null
            ? "SELECT pg_notify($1, $2 || chr(10) || '*')"
            : "SELECT pg_notify($1, $2 || chr(10) || id) FROM unnest($3::text[]) AS id");
        notify.Parameters.Add(new NpgsqlParameter { Value = Channel });
        notify.Parameters.Add(new NpgsqlParameter { Value = projection });
        if (ids is not null)
        {
            notify.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        }

        batch.BatchCommands.Add(notify);
    }

    private void OnNotification(string payload)
    {
        Interlocked.Increment(ref heard);
        var newline = payload.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0)
        {
            Forget();
            return;
        }

        var id = payload[(newline + 1)..];
        Forget(payload[..newline], id == "*" ? null : [id]);
    }

    /// <summary>Forgets documents of a projection (all of them when <paramref name="ids"/> is null).</summary>
    private void Forget(string projection, IReadOnlyCollection<string>? ids)
    {
        Interlocked.Increment(ref generation);
        if (ids is null)
        {
            foreach (var key in entries.Keys.Where(k => k.Projection == projection))
            {
                entries.TryRemove(key, out _);
            }

            return;
        }

        foreach (var id in ids)
        {
            entries.TryRemove((projection, id), out _);
        }
    }

    private void Forget()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }
}
