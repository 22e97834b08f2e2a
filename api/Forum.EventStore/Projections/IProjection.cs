namespace Forum.EventStore.Projections;

/// <summary>A read model kept from events. Inline ones run in the append's transaction; async ones in the daemon.</summary>
public interface IProjection
{
    /// <summary>Stable name: keys its checkpoint and its documents.</summary>
    string Name { get; }

    /// <summary>
    /// The events this projection handles (their subtypes too), or null for every event. It is handed only these, and
    /// the daemon reads only these: events it does not handle cost it neither a row read nor a write of its checkpoint.
    /// </summary>
    IReadOnlyCollection<Type>? EventTypes => null;

    /// <summary>Applies events in commit order; writes through <paramref name="session"/> commit with the checkpoint.</summary>
    Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct);
}

internal static class ProjectionEvents
{
    /// <summary>The events of <paramref name="events"/> that <paramref name="projection"/> handles (all when it names none).</summary>
    public static IReadOnlyList<StoredEvent> HandledBy(this IReadOnlyList<StoredEvent> events, IProjection projection) =>
        projection.EventTypes is null ? events : events.Where(projection.Handles).ToList();

    public static bool Handles(this IProjection projection, StoredEvent e) =>
        projection.EventTypes is not { } types || types.Any(t => t.IsInstanceOfType(e.Data));
}
