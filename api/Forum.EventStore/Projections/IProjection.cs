namespace Forum.EventStore.Projections;

/// <summary>A read model kept from events. Inline ones run in the append's transaction; async ones in the daemon.</summary>
public interface IProjection
{
    /// <summary>Stable name: keys its checkpoint and its documents.</summary>
    string Name { get; }

    /// <summary>Applies events in commit order; writes through <paramref name="session"/> commit with the checkpoint.</summary>
    Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct);
}
