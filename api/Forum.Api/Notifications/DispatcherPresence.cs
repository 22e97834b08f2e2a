using Npgsql;

namespace Forum.Api.Notifications;

/// <summary>
/// A dispatcher's presence in the database: a session advisory lock under a random key of its own, held on a
/// connection of its own while the dispatcher lives. Claims carry the key; a claim whose key is no longer held (its
/// process died, and PostgreSQL ended its session) is due again at once, rather than when its lease runs out. The
/// lease stays the bound only when the database cannot tell, such as a machine gone with its connection half-open.
/// </summary>
public sealed class DispatcherPresence(MailOutbox outbox, TimeProvider time) : IAsyncDisposable
{
    /// <summary>How long a presence is trusted before its connection is checked again.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim gate = new(1, 1);
    private NpgsqlConnection? connection;
    private long checkedAt;

    /// <summary>The key this dispatcher's claims carry; positive, so that it reads back the same from pg_locks.</summary>
    public int Key { get; private set; } = Random.Shared.Next(1, int.MaxValue);

    /// <summary>
    /// Makes sure the lock is held (taking it again on a new connection if the old one broke) and returns the key to
    /// claim with. Between a break and this check, other dispatchers may take this one's claims: the renewer then finds
    /// them lost and does not start them.
    /// </summary>
    public async Task<int> EnsureAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (connection is not null && time.GetElapsedTime(checkedAt) < CheckEvery)
            {
                return Key;
            }

            if (connection is not null)
            {
                try
                {
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteScalarAsync(ct);
                    checkedAt = time.GetTimestamp();
                    return Key;
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    // The session is gone, and its lock with it.
                    await connection.DisposeAsync();
                    connection = null;
                }
            }

            var opened = await outbox.DataSource.OpenConnectionAsync(ct);
            try
            {
                // A key another live dispatcher already holds (one chance in two billion) would hide a death: draw again.
                while (!await outbox.TryHoldPresenceAsync(opened, Key, ct))
                {
                    Key = Random.Shared.Next(1, int.MaxValue);
                }
            }
            catch
            {
                await opened.DisposeAsync();
                throw;
            }

            connection = opened;
            checkedAt = time.GetTimestamp();
            return Key;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Releases the lock before the connection goes back to the pool (where it would keep it until reused).</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (connection is not null)
            {
                try
                {
                    await outbox.ReleasePresenceAsync(connection, Key);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    // The session is gone already, and its lock with it.
                }

                await connection.DisposeAsync();
                connection = null;
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
