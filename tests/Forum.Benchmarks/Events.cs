using Forum.EventStore;

namespace Forum.Benchmarks;

// Forum-like events. PostAdded is the ~250-byte payload of the append benchmarks; the catch-up seed mixes all four.
internal sealed record TopicOpened(Guid TopicId, string Title, string Author, DateTimeOffset OpenedAt);

internal sealed record PostAdded(Guid TopicId, Guid PostId, string Author, int Sequence, string Body, DateTimeOffset WrittenAt);

internal sealed record PostEdited(Guid TopicId, Guid PostId, string Editor, string Body, DateTimeOffset EditedAt);

internal sealed record VoteCast(Guid TopicId, Guid PostId, string Voter, int Weight, DateTimeOffset CastAt);

internal static class BenchEvents
{
    public const string StreamType = "bench-topic";

    // Padding that brings a serialized PostAdded to about 250 bytes (checked and printed at start-up).
    private const string Body = "Thanks for the minutes of Tuesday's meeting; two corrections on the budget item follow below.";

    public static EventTypeRegistry CreateRegistry() => new EventTypeRegistry()
        .Register<TopicOpened>("bench.topic-opened")
        .Register<PostAdded>("bench.post-added")
        .Register<PostEdited>("bench.post-edited")
        .Register<VoteCast>("bench.vote-cast");

    public static EventMetadata Metadata(int writer) => EventMetadata.For($"member-{writer:D5}", "benchmark");

    public static PostAdded Post(Guid topic, int writer, int sequence) =>
        new(topic, Guid.CreateVersion7(), $"member-{writer:D5}", sequence, Body, TimeProvider.System.GetUtcNow());

    /// <summary>The catch-up seed's event at a stream version: a topic opens, then mostly posts, some edits and votes.</summary>
    public static object ForSeed(Guid topic, long version, DateTimeOffset at) => version switch
    {
        1 => new TopicOpened(topic, "Agenda for the spring general assembly", "member-00001", at),
        _ when version % 5 == 0 => new PostEdited(topic, Guid.CreateVersion7(at), "member-00002", Body, at),
        _ when version % 5 == 3 => new VoteCast(topic, Guid.CreateVersion7(at), "member-00003", 1, at),
        _ => new PostAdded(topic, Guid.CreateVersion7(at), "member-00004", (int)version, Body, at),
    };
}
