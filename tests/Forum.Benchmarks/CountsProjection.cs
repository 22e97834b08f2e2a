using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Benchmarks;

/// <summary>How many events of one type the projection has seen.</summary>
internal sealed record TypeCount(string Type, long Count);

/// <summary>
/// A deliberately cheap async projection (one counter document per event type, so a batch is one load and one
/// upsert): the figures then show the daemon's own cost, not the projection's.
/// </summary>
internal sealed class CountsProjection(string name, Action<IReadOnlyList<StoredEvent>>? applied = null) : IProjection
{
    public string Name => name;

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            counts[e.TypeName] = counts.GetValueOrDefault(e.TypeName) + 1;
        }

        var docs = await session.LoadManyAsync<TypeCount>(counts.Keys, ct);
        foreach (var (type, n) in counts)
        {
            session.Store(type, new TypeCount(type, (docs.GetValueOrDefault(type)?.Count ?? 0) + n));
        }

        applied?.Invoke(events);
    }
}
