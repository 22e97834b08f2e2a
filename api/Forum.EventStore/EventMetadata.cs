namespace Forum.EventStore;

/// <summary>Who caused an event and in answer to what.</summary>
public sealed record EventMetadata(string? Actor, Guid CorrelationId, Guid? CausationId = null, string? Reason = null)
{
    public static EventMetadata For(string? actor, string? reason = null) => new(actor, Guid.NewGuid(), null, reason);
}

/// <summary>An event as read back from the store, already upcast to its current shape.</summary>
public sealed record StoredEvent(
    long Position,
    long TransactionId,
    string StreamId,
    long StreamVersion,
    Guid EventId,
    string TypeName,
    object Data,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt)
{
    /// <summary>The daemon's order: transaction id, then position.</summary>
    public GlobalCheckpoint Checkpoint => new(TransactionId, Position);
}

/// <summary>A point in the global commit order: every event up to and including it has been seen.</summary>
public readonly record struct GlobalCheckpoint(long TransactionId, long Position) : IComparable<GlobalCheckpoint>
{
    public static GlobalCheckpoint Start { get; } = new(0, 0);

    public int CompareTo(GlobalCheckpoint other) =>
        TransactionId != other.TransactionId ? TransactionId.CompareTo(other.TransactionId) : Position.CompareTo(other.Position);

    public static bool operator <(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) < 0;

    public static bool operator >(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) > 0;

    public static bool operator <=(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) <= 0;

    public static bool operator >=(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) >= 0;
}

/// <summary>What one append wrote.</summary>
public sealed record AppendResult(string StreamId, long NextExpectedVersion, IReadOnlyList<StoredEvent> Events);

/// <summary>What a batch of new streams did: the streams it started, and those that existed already (left as they were).</summary>
public sealed record CreatedStreams(IReadOnlyList<AppendResult> Created, IReadOnlyList<string> Existing);

/// <summary>Events for one stream inside a multi-stream append; Metadata, when given, is theirs instead of the append's.</summary>
public sealed record StreamAppend(string StreamId, string StreamType, ExpectedVersion Expected, IReadOnlyList<object> Events, EventMetadata? Metadata = null);
