using System.Collections.Concurrent;

namespace Forum.EventStore.Projections;

/// <summary>
/// Documents kept in memory once read, for <see cref="DocumentReader.LoadManyAsync"/>. Nothing is trusted without the
/// database: every read still asks for each document's row version and gets the content back only when it differs from
/// the kept one. So a change committed by any process is seen at the next read, and a large document that rarely
/// changes is neither sent again nor deserialised again. The documents handed out are shared: treat them as immutable.
/// </summary>
/// <remarks>
/// The row version is PostgreSQL's <c>xmin</c> (the transaction that wrote this version of the row; every insert and
/// update writes a new version) with its <c>ctid</c> (where that version lies). Only committed versions are ever read,
/// and a committed transaction writes nothing more, so a later version could only look the same if a transaction id
/// came round again (32 bits) and its write landed in the very same slot.
/// </remarks>
public sealed class DocumentCache(int capacity = 10_000)
{
    private readonly ConcurrentDictionary<(string Projection, string Id), Entry> entries = new();

    /// <summary>A document as read, with the row version it had.</summary>
    internal sealed record Entry(string RowVersion, Type Type, object Document);

    internal Entry? Find(string projection, string id, Type type) =>
        entries.TryGetValue((projection, id), out var entry) && entry.Type == type ? entry : null;

    internal void Keep(string projection, string id, Entry entry)
    {
        // A bound without bookkeeping: past it, start again (the next reads refill what is still in use).
        if (entries.Count >= capacity)
        {
            entries.Clear();
        }

        entries[(projection, id)] = entry;
    }

    internal void Forget(string projection, string id) => entries.TryRemove((projection, id), out _);
}
