using System.Collections.Concurrent;

namespace Forum.MailSink;

/// <summary>
/// Every accepted mail, in memory, in arrival order, without locks on the request path (a lock-free queue for the order,
/// a striped dictionary for look-ups). Clearing swaps in an empty generation; beyond the cap the oldest are forgotten.
/// </summary>
public sealed class MailStore(MailSinkOptions options)
{
    private sealed class Generation
    {
        public ConcurrentQueue<StoredMail> Order { get; } = new();

        public ConcurrentDictionary<string, StoredMail> ById { get; } = new(StringComparer.Ordinal);

        public int Count;
    }

    private Generation _current = new();

    public int Count => Volatile.Read(ref _current).Count;

    public void Add(StoredMail mail)
    {
        var generation = Volatile.Read(ref _current);
        generation.ById[mail.Id] = mail;
        generation.Order.Enqueue(mail);
        if (Interlocked.Increment(ref generation.Count) > options.MaxMessages && generation.Order.TryDequeue(out var oldest))
        {
            generation.ById.TryRemove(oldest.Id, out _);
            Interlocked.Decrement(ref generation.Count);
        }
    }

    public StoredMail? Find(string id) => Volatile.Read(ref _current).ById.GetValueOrDefault(id);

    /// <summary>A snapshot, oldest first.</summary>
    public IReadOnlyList<StoredMail> All() => [.. Volatile.Read(ref _current).Order];

    public void Clear() => Interlocked.Exchange(ref _current, new Generation());
}
