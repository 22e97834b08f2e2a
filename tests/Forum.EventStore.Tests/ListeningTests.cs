using Npgsql;

namespace Forum.EventStore.Tests;

public sealed class ListeningTests
{
    [Fact]
    public async Task A_listening_session_that_ends_gives_its_connection_back_to_the_pool_without_its_subscription()
    {
        // A pool of one connection that is not reset when given back (as the API's): the connection the listener used is
        // the next one handed out.
        var channel = "listening_" + Guid.NewGuid().ToString("N")[..12];
        var builder = new NpgsqlConnectionStringBuilder(TestStore.ConnectionString) { MaxPoolSize = 1, NoResetOnClose = true, ApplicationName = channel };
        await using var pool = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var observer = NpgsqlDataSource.Create(TestStore.ConnectionString);

        var heard = new List<string>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var session = Listening.ListenAsync(pool, channel, payload => { lock (heard) { heard.Add(payload); } }, listening.SetResult, stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await using (var notify = observer.CreateCommand($"SELECT pg_notify('{channel}', 'while listening')"))
        {
            await notify.ExecuteNonQueryAsync();
        }

        await Eventually.TrueAsync(() => { lock (heard) { return Task.FromResult(heard.Contains("while listening")); } }, TimeSpan.FromSeconds(30), "the notification to arrive");
        int listenerPid;
        await using (var who = observer.CreateCommand($"SELECT pid FROM pg_stat_activity WHERE application_name = '{channel}'"))
        {
            listenerPid = (int)(await who.ExecuteScalarAsync())!;
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session);

        // The same session, back from the pool, listens to nothing.
        await using var reused = await pool.OpenConnectionAsync();
        await using (var pid = new NpgsqlCommand("SELECT pg_backend_pid()", reused))
        {
            Assert.Equal(listenerPid, (int)(await pid.ExecuteScalarAsync())!);
        }

        await using (var channels = new NpgsqlCommand("SELECT count(*) FROM pg_listening_channels()", reused))
        {
            Assert.Equal(0L, await channels.ExecuteScalarAsync());
        }
    }
}
