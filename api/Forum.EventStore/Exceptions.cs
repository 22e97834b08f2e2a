namespace Forum.EventStore;

/// <summary>An append lost a race: the stream was not at the version the writer expected.</summary>
public sealed class ConcurrencyException(string streamId, ExpectedVersion expected, long actual)
    : Exception($"Stream '{streamId}' is at version {actual}, but the append expected {expected}.")
{
    public string StreamId { get; } = streamId;

    public ExpectedVersion Expected { get; } = expected;

    public long ActualVersion { get; } = actual;
}

/// <summary>An event type that the registry does not know was met while reading or writing.</summary>
public sealed class UnknownEventTypeException(string typeName)
    : Exception($"No event type is registered as '{typeName}'.")
{
    public string TypeName { get; } = typeName;
}
