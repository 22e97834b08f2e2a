using System.Threading.Channels;
using Forum.EventStore;
using Npgsql;

namespace Forum.Api.Notifications;

/// <summary>
/// Starts a drain in this process whenever the outbox's channel is notified: at the commit of new mails (the outbox
/// adds the notification to the writer's transaction) and when a node that mail-dispatch fired finds a backlog. So
/// mails go out at once rather than at the next firing, and every dispatching process sends, not only the node that
/// keeps acquiring the job's firings. The job stays the safety net: mails due later (retries, leases run out) and
/// anything committed while this process was not listening go at its next firing.
/// </summary>
public sealed class MailWakeups(MailOutbox outbox, MailDispatcher dispatcher, ILogger<MailWakeups> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One wake-up pending is enough: a drain claims until nothing is due, and one that is running looks again.
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var listening = ListenAsync(() => wake.Writer.TryWrite(true), stoppingToken);
        try
        {
            await foreach (var _ in wake.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await dispatcher.DrainAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "A drain the outbox's notification started failed; the next firing of mail-dispatch tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the drain gave back what it had not started.
        }

        await listening;
    }

    /// <summary>Listens until cancelled, reconnecting after a failure (meanwhile the job's firings carry on alone).</summary>
    private async Task ListenAsync(Action woken, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Listening.ListenAsync(outbox.DataSource, outbox.WakeChannel, _ => woken(), () => { }, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Listening for new mails failed; listening again in a second");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
