using System.Collections.Concurrent;

namespace Forum.Api.Infrastructure;

/// <summary>
/// One async gate per key in this process. Work that is serialised in the database anyway (a conference's lock)
/// queues here first, so that a burst waits in memory rather than each waiter holding a pooled connection.
/// </summary>
public sealed class KeyedGate
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string key, CancellationToken ct)
    {
        var gate = gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
