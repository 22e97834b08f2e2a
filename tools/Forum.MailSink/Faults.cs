using System.Collections.Concurrent;

namespace Forum.MailSink;

/// <summary>
/// One answer asked for: <c>{"status":429,"retryAfterSeconds":2}</c>, <c>{"status":503}</c>, <c>{"status":500,"delayMs":2000}</c>
/// (the error after a delay), or <c>{"delayMs":5000}</c> (the mail is accepted at once and the 202 comes late: what a
/// client with a shorter timeout sees as a timeout, although the mail was sent).
/// </summary>
public sealed record FaultSpec(int? Status, int? RetryAfterSeconds, int? DelayMs)
{
    public string? Problem() => (Status, DelayMs) switch
    {
        (null, null) => "a fault needs a status, a delayMs, or both",
        (not null and not (429 or (>= 500 and <= 599)), _) => "status must be 429 or 5xx (a 4xx the body earns is SendGrid's own)",
        (_, < 0 or > 600_000) => "delayMs must be between 0 and 600000",
        _ when RetryAfterSeconds is < 0 or > 86_400 => "retryAfterSeconds must be between 0 and 86400",
        _ => null,
    };
}

/// <summary>A fixed window: at most <see cref="Limit"/> mail sends per <see cref="WindowSeconds"/>, then 429 until the window ends.</summary>
public sealed record RateLimitSpec(int Limit, int WindowSeconds);

public sealed record FaultsState(IReadOnlyList<FaultSpec> Next, RateLimitSpec? RateLimit);

/// <summary>What a mail send answers instead of SendGrid's own answer, as tests asked (POST /control/faults).</summary>
public sealed class Faults(TimeProvider clock)
{
    private sealed class Window(long start, long end, RateLimitSpec spec)
    {
        public long Start { get; } = start;

        public long End { get; } = end;

        public RateLimitSpec Spec { get; } = spec;

        public int Used;
    }

    private readonly ConcurrentQueue<FaultSpec> _next = new();
    private Window? _window;

    public FaultsState State
    {
        get
        {
            var window = Volatile.Read(ref _window);
            return new FaultsState([.. _next], window?.Spec);
        }
    }

    public void SetNext(IEnumerable<FaultSpec> faults)
    {
        _next.Clear();
        foreach (var fault in faults)
        {
            _next.Enqueue(fault);
        }
    }

    public void SetRateLimit(RateLimitSpec? spec)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Volatile.Write(ref _window, spec is null ? null : new Window(now, now + spec.WindowSeconds * 1000L, spec));
    }

    public void Clear()
    {
        _next.Clear();
        Volatile.Write(ref _window, null);
    }

    public bool TryTakeNext(out FaultSpec fault)
    {
        if (_next.IsEmpty)
        {
            fault = null!;
            return false;
        }

        return _next.TryDequeue(out fault!);
    }

    /// <summary>Counts one request against the rate limit, if one is set: (limit, remaining, reset as Unix seconds), and whether it is over.</summary>
    public (int Limit, int Remaining, long Reset, bool Over)? Count()
    {
        var window = Volatile.Read(ref _window);
        if (window is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (now >= window.End)
        {
            var windowMs = window.Spec.WindowSeconds * 1000L;
            var start = window.End + (now - window.End) / windowMs * windowMs;
            var next = new Window(start, start + windowMs, window.Spec);
            window = Interlocked.CompareExchange(ref _window, next, window) == window ? next : Volatile.Read(ref _window) ?? next;
        }

        var used = Interlocked.Increment(ref window.Used);
        var reset = (window.End + 999) / 1000;
        return (window.Spec.Limit, Math.Max(0, window.Spec.Limit - used), reset, used > window.Spec.Limit);
    }
}
