namespace Forum.MailSink;

public enum Stat
{
    Accepted,
    Sandbox,
    Invalid,
    Unauthorized,
    Faulted,
    RateLimited,
    TooLarge,
    EventsPosted,
    EventsFailed,
    WebhookPosts,
    WebhookRetries,
    WebhookFailures,
}

/// <summary>Counters of what the sink answered and posted (GET /api/stats).</summary>
public sealed class SinkStats
{
    private readonly long[] _counts = new long[Enum.GetValues<Stat>().Length];

    public void Add(Stat stat, long n = 1) => Interlocked.Add(ref _counts[(int)stat], n);

    public long this[Stat stat] => Volatile.Read(ref _counts[(int)stat]);

    public IReadOnlyDictionary<string, long> Snapshot() =>
        Enum.GetValues<Stat>().ToDictionary(s => char.ToLowerInvariant(s.ToString()[0]) + s.ToString()[1..], s => this[s]);

    public void Reset()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            Interlocked.Exchange(ref _counts[i], 0);
        }
    }
}
