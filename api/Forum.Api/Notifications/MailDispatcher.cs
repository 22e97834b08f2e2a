using Forum.Api.Infrastructure;

namespace Forum.Api.Notifications;

/// <summary>
/// Sends what the outbox has due: claims mails under a short lease of this process, renewed until each is settled,
/// opens each (an erased recipient's is dropped), sends it, and settles it as SendGrid answered; the mails SendGrid
/// accepted are marked sent in small batches as their sends finish. A process that dies leaves its claims to another at
/// once: PostgreSQL ends its session and with it its presence lock (<see cref="DispatcherPresence"/>); when the database
/// cannot tell (a machine gone with its connection half-open), at the latest when the lease runs out, within
/// <see cref="Lease"/>. The one window in which a crash makes a
/// resend is between SendGrid's 202 and that mark: the resend carries the same message id (in its custom_args and its
/// X-Forum-Message-Id header), so that it is recognisable; and before sending a mail again, the dispatcher looks for
/// SendGrid's events about it (signed webhook, keyed by that id): a mail SendGrid reported is marked, not resent.
/// </summary>
public sealed class MailDispatcher(MailOutbox outbox, SendGridClient sendGrid, SendGridWebhook events, PersonalDataVault vault, TimeProvider time, ILogger<MailDispatcher> logger)
    : IHealthSignal, IAsyncDisposable
{
    /// <summary>After this many attempts that failed for a passing reason, a mail is dead (listed for organisers, who may retry it).</summary>
    public const int MaxAttempts = 8;

    /// <summary>
    /// How long a claim holds when its process stops renewing it and the database still sees its presence (a machine
    /// gone with its connection half-open). A live process renews every <see cref="RenewEvery"/>, so it never loses a
    /// lease mid-send unless it cannot reach the database for longer than the difference.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a mail taken over from a dispatcher that just died waits for SendGrid's events about it before it is
    /// sent again (the dead one may have sent it): the local SendGrid posts them within milliseconds; SendGrid posts them
    /// in batches, often later, so against it this prevents a resend only for the mails it reported by then.
    /// </summary>
    public static readonly TimeSpan TakeoverGrace = TimeSpan.FromSeconds(2);

    /// <summary>Sends in flight at once in one process.</summary>
    public const int Senders = 16;

    /// <summary>Mails one claim takes while draining: one commit (a disk flush) and two reads per claim, so not too few.</summary>
    public const int ClaimSize = 64;

    /// <summary>
    /// Claimed mails waiting for a sender: enough that senders do not wait while the next claim commits (tens of
    /// milliseconds on a slow disk), few enough that a stopping process gives back little and another process is not
    /// kept off many mails.
    /// </summary>
    public const int QueueBound = 128;

    /// <summary>At most this many mails are marked sent in one statement.</summary>
    public const int MarkBatch = 64;

    /// <summary>
    /// How long the marker waits, after a send finished, for others to mark with it: each mark is a commit (a disk
    /// flush), and this keeps them to a few dozen a second at full speed, at the cost of this much more resend window.
    /// </summary>
    public static readonly TimeSpan MarkDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>How long sends already under way may still take once the process is asked to stop.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly string owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly DispatcherPresence presence = new(outbox, time);
    private readonly object gate = new();
    private int draining;
    private int again;
    private DateTimeOffset pausedUntil = DateTimeOffset.MinValue;
    private string? refusal;

    public string Component => "mail";

    /// <summary>Gives up the presence lock (at the host's stop), so that claims left behind are due again at once.</summary>
    public ValueTask DisposeAsync() => presence.DisposeAsync();

    string? IHealthSignal.Degraded => Refusal is { } why ? $"SendGrid refused the API key: {why}" : null;

    /// <summary>Why sending stopped (SendGrid refused the key: 401 or 403), or null while it works; /health shows it.</summary>
    public string? Refusal
    {
        get
        {
            lock (gate)
            {
                return refusal;
            }
        }
    }

    /// <summary>
    /// Sends until nothing is due (or <paramref name="ct"/> asks to stop): claims keep a small queue full while
    /// <see cref="Senders"/> sends run from it. Returns how many mails it claimed, or 0 at once when this process is
    /// draining already (a firing or a wake-up that came meanwhile): that drain then looks once more when it ends, so
    /// that mails committed after its last claim do not wait for the next firing.
    /// </summary>
    /// <param name="wakeOthers">
    /// When the first claim comes back full (a backlog: mails due again after a rate limit or a dead process's leases),
    /// notify the other processes' dispatchers, so that they share it rather than wait for firings that keep landing here.
    /// </param>
    public async Task<int> DrainAsync(CancellationToken ct, bool wakeOthers = false)
    {
        if (Interlocked.Exchange(ref draining, 1) == 1)
        {
            Volatile.Write(ref again, 1);
            return 0;
        }

        var total = 0;
        try
        {
            do
            {
                Volatile.Write(ref again, 0);
                total += await RunAsync(ClaimSize, once: false, conference: null, wakeOthers, ct);
                wakeOthers = false;
            }
            while (Volatile.Read(ref again) == 1 && !ct.IsCancellationRequested);
        }
        finally
        {
            Volatile.Write(ref draining, 0);
        }

        // A wake-up that came between the last look and the release above found this drain still running: look again.
        return Volatile.Read(ref again) == 1 && !ct.IsCancellationRequested ? total + await DrainAsync(ct) : total;
    }

    /// <summary>One pass: claims up to <paramref name="max"/> due mails (of one conference, if named) and settles each; returns how many it claimed.</summary>
    public Task<int> DispatchAsync(int max, CancellationToken ct, string? conference = null) => RunAsync(max, once: true, conference, wakeOthers: false, ct);

    /// <summary>A claimed mail, opened, waiting for a sender.</summary>
    private sealed record Claimed(OutboxMail Mail, SendGridMail? Body, IReadOnlySet<string> Undeliverable);

    /// <summary>
    /// The pipeline: one claimer fills a bounded queue (claims of <paramref name="claimSize"/>, until nothing is due, or
    /// once), <see cref="Senders"/> take from it, one marker marks what SendGrid accepted in small batches as sends
    /// finish, and one renewer extends the lease of every mail claimed and not yet settled. On a stop, no send starts,
    /// sends under way get <see cref="StopGrace"/>, and claimed mails not started are given back at once.
    /// </summary>
    private async Task<int> RunAsync(int claimSize, bool once, string? conference, bool wakeOthers, CancellationToken ct)
    {
        if (time.GetUtcNow() < PausedUntil)
        {
            return 0;
        }

        using var sending = new CancellationTokenSource();
        await using var stopping = ct.Register(() => sending.CancelAfter(StopGrace));
        // Claimed and not settled (true once its lease was found lost); renewed while here.
        var pending = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        // Claimed and not taken by a sender: given back if the drain ends before they start.
        var unstarted = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        var queue = System.Threading.Channels.Channel.CreateBounded<Claimed>(new System.Threading.Channels.BoundedChannelOptions(QueueBound) { SingleWriter = true });
        var sent = System.Threading.Channels.Channel.CreateUnbounded<(Guid Id, string? ProviderMessageId)>(new() { SingleReader = true });
        using var settled = new CancellationTokenSource();
        var renewing = RenewAsync(pending, settled.Token);
        var claimedCount = 0;
        Exception? claimFailure = null;

        var claiming = Task.Run(async () =>
        {
            try
            {
                while (!ct.IsCancellationRequested && time.GetUtcNow() >= PausedUntil)
                {
                    var claimed = await outbox.ClaimAsync(owner, await presence.EnsureAsync(ct), claimSize, Lease, ct, conference);
                    foreach (var mail in claimed)
                    {
                        pending[mail.Id] = false;
                        unstarted[mail.Id] = true;
                    }

                    claimedCount += claimed.Count;
                    if (claimed.Count == 0)
                    {
                        break;
                    }

                    if (wakeOthers && claimed.Count == claimSize)
                    {
                        wakeOthers = false;
                        await outbox.WakeAsync(ct);
                    }

                    var opened = await vault.OpenAsync(claimed.Select(m => m.Mail), ct);
                    var bodies = claimed.Select(m => opened.Open<SendGridMail>(m.Mail)).ToList();
                    var undeliverable = await events.UndeliverableAsync(
                        bodies.OfType<SendGridMail>().SelectMany(b => b.Personalizations.SelectMany(p => p.To)).Select(a => a.Email), ct);
                    for (var i = 0; i < claimed.Count; i++)
                    {
                        await queue.Writer.WriteAsync(new Claimed(claimed[i], bodies[i], undeliverable), ct);
                    }

                    if (once)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopping: what was claimed and not started is given back below.
            }
            catch (Exception e)
            {
                // The senders finish what is queued; the rest is given back, and the caller hears of it.
                claimFailure = e;
            }
            finally
            {
                queue.Writer.Complete();
            }
        }, CancellationToken.None);

        async Task SendLoopAsync()
        {
            await foreach (var item in queue.Reader.ReadAllAsync(CancellationToken.None))
            {
                // Once asked to stop, no send starts; the mail stays in unstarted and is given back.
                if (ct.IsCancellationRequested)
                {
                    return;
                }

                var mail = item.Mail;
                unstarted.TryRemove(mail.Id, out _);
                if (pending.TryGetValue(mail.Id, out var lost) && lost)
                {
                    // Its lease ran out (this process stalled past it): another process may have it.
                    pending.TryRemove(mail.Id, out _);
                    continue;
                }

                try
                {
                    if (await SendOneAsync(mail, item.Body, item.Undeliverable, sending.Token) is { } accepted)
                    {
                        // Stays pending (renewed) until the marker has marked it.
                        sent.Writer.TryWrite((mail.Id, accepted.MessageId));
                        continue;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !sending.IsCancellationRequested)
                {
                    // Left leased: when the lease runs out, the mail is due again.
                    logger.LogWarning(e, "Mail {MessageId} could not be sent or settled; it is tried again when its lease ends", mail.Id);
                }
                catch (OperationCanceledException)
                {
                    // Cut off by the stop's grace: left leased, due again when its lease ends.
                }

                pending.TryRemove(mail.Id, out _);
            }
        }

        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(SendLoopAsync, CancellationToken.None)).ToList();

        // The mark that closes the resend window, as sends finish: never cancelled by a stop, retried through a
        // passing fault; whatever finished while one mark ran goes in the next.
        var marking = Task.Run(async () =>
        {
            var batch = new List<(Guid Id, string? ProviderMessageId)>(MarkBatch);
            while (await sent.Reader.WaitToReadAsync(CancellationToken.None))
            {
                if (!ct.IsCancellationRequested)
                {
                    await Task.Delay(MarkDelay, time, CancellationToken.None);
                }

                batch.Clear();
                while (batch.Count < MarkBatch && sent.Reader.TryRead(out var one))
                {
                    batch.Add(one);
                }

                await SettleSentAsync(batch);
                foreach (var (id, _) in batch)
                {
                    pending.TryRemove(id, out _);
                }
            }
        }, CancellationToken.None);

        try
        {
            await claiming;
            await Task.WhenAll(senders);
        }
        finally
        {
            sent.Writer.TryComplete();
            try
            {
                await marking;
            }
            finally
            {
                var giveBack = unstarted.Keys.Where(id => !(pending.TryGetValue(id, out var lost) && lost)).ToList();
                if (giveBack.Count > 0)
                {
                    // Due again at once for another process, rather than when the lease would have run out.
                    await outbox.ReleaseAsync(giveBack, owner, CancellationToken.None);
                }

                await settled.CancelAsync();
                await renewing;
            }
        }

        if (claimFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(claimFailure);
        }

        return claimedCount;
    }

    /// <summary>Sends one mail and settles it, except when SendGrid accepted it (now or before): that is returned, for the marker.</summary>
    private async Task<SendResult.Sent?> SendOneAsync(OutboxMail mail, SendGridMail? body, IReadOnlySet<string> undeliverable, CancellationToken token)
    {
        var paused = PausedUntil;
        if (time.GetUtcNow() < paused)
        {
            await outbox.LaterAsync(mail.Id, owner, paused, null, uncount: true, token);
            return null;
        }

        if (body is null)
        {
            await outbox.DroppedAsync(mail.Id, owner, "the recipient's personal data was erased", token);
            return null;
        }

        if (body.Personalizations.SelectMany(p => p.To).Any(a => undeliverable.Contains(events.AddressHash(a.Email))))
        {
            await outbox.DroppedAsync(mail.Id, owner, "the address bounced, was dropped or reported spam before", token);
            return null;
        }

        // Claimed before and never settled (its process died, or SendGrid failed it): if SendGrid's events already
        // name it, SendGrid accepted it before that process could mark it, so it is marked now rather than sent again.
        if (mail.Attempts > 1)
        {
            if ((await events.EventsOfAsync(mail.Id, token)).Count > 0)
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("Mail {MessageId} was accepted by SendGrid before an earlier attempt could mark it (its events say so); marked sent, not sent again", mail.Id);
                }

                return new SendResult.Sent(null);
            }

            if (mail.TakenOver)
            {
                // Its process died moments ago, perhaps while sending it: SendGrid's events about it get a moment to come.
                await outbox.LaterAsync(mail.Id, owner, time.GetUtcNow() + TakeoverGrace, null, uncount: true, token);
                return null;
            }
        }

        var result = await sendGrid.SendAsync(body, token);
        if (result is SendResult.Sent accepted)
        {
            lock (gate)
            {
                refusal = null;
            }

            return accepted;
        }

        await SettleAsync(mail, result, token);
        return null;
    }

    /// <summary>Renews the lease of every claimed, unsettled mail until the drain ends; a mail whose lease was lost is not started.</summary>
    private async Task RenewAsync(System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> pending, CancellationToken settled)
    {
        while (!settled.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewEvery, time, settled);
                // A presence found broken is taken again; meanwhile others may have taken these mails, found below.
                await presence.EnsureAsync(settled);
                var ids = pending.Keys.ToList();
                var renewed = await outbox.RenewAsync(ids, owner, Lease, settled);
                foreach (var id in ids.Where(id => !renewed.Contains(id)))
                {
                    // Settled meanwhile, or lost (this process was stalled past its lease): either way not ours to send.
                    pending.TryUpdate(id, true, false);
                }
            }
            catch (OperationCanceledException) when (settled.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Renewing the lease of {Count} mails failed; trying again", pending.Count);
            }
        }
    }

    private async Task SettleSentAsync(List<(Guid Id, string? ProviderMessageId)> sent)
    {
        if (sent.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await outbox.SentAsync(sent, owner, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 3 && e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Marking {Count} mails sent failed; trying again", sent.Count);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time);
            }
        }
    }

    private DateTimeOffset PausedUntil
    {
        get
        {
            lock (gate)
            {
                return pausedUntil;
            }
        }
    }

    private async Task SettleAsync(OutboxMail mail, SendResult result, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        switch (result)
        {
            case SendResult.Sent sent:
                lock (gate)
                {
                    refusal = null;
                }

                await outbox.SentAsync(mail.Id, owner, sent.MessageId, ct);
                break;
            case SendResult.RateLimited limited:
                Pause(limited.Until, null);
                await outbox.LaterAsync(mail.Id, owner, limited.Until, "rate limited (429)", uncount: true, ct);
                break;
            case SendResult.Unauthorized refused:
                logger.LogError("SendGrid refused the API key ({Error}); sending stops for a minute at a time until it is accepted", refused.Error);
                Pause(now.AddMinutes(1), refused.Error);
                await outbox.LaterAsync(mail.Id, owner, now.AddMinutes(1), refused.Error, uncount: true, ct);
                break;
            case SendResult.Rejected rejected:
                logger.LogWarning("Mail {MessageId} ({Kind}) was refused by SendGrid: {Error}", mail.Id, mail.Kind, rejected.Error);
                await outbox.DeadAsync(mail.Id, owner, rejected.Error, ct);
                break;
            case SendResult.Transient transient when mail.Attempts >= MaxAttempts:
                logger.LogWarning("Mail {MessageId} ({Kind}) failed {Attempts} times and is dead: {Error}", mail.Id, mail.Kind, mail.Attempts, transient.Error);
                await outbox.DeadAsync(mail.Id, owner, transient.Error, ct);
                break;
            case SendResult.Transient transient:
                await outbox.LaterAsync(mail.Id, owner, now + Backoff(mail.Attempts), transient.Error, uncount: false, ct);
                break;
        }
    }

    private void Pause(DateTimeOffset until, string? why)
    {
        lock (gate)
        {
            pausedUntil = until > pausedUntil ? until : pausedUntil;
            refusal = why ?? refusal;
        }
    }

    /// <summary>30 s, 1 min, 2 min, ... up to an hour, give or take a fifth (so that a crowd of failures spreads out).</summary>
    public static TimeSpan Backoff(int attempts)
    {
        var seconds = Math.Min(3600, 30 * Math.Pow(2, Math.Max(0, attempts - 1)));
        return TimeSpan.FromSeconds(seconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }
}

/// <summary>
/// The dispatcher as a recurring Quartz job ("mail-dispatch", every second): drains what is due, then returns. Not
/// [DisallowConcurrentExecution]: two processes may drain at once (the leases keep them off each other's mails), which is
/// how they share the sending; within a process one drain runs at a time.
/// </summary>
public sealed class MailDispatchJob(MailDispatcher dispatcher, ILogger<MailDispatchJob> logger) : Quartz.IJob
{
    public const string Name = "mail-dispatch";

    public async ValueTask Execute(Quartz.IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await dispatcher.DrainAsync(cancellationToken, wakeOthers: true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was not started was given back.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The mail dispatcher failed a pass; the next firing tries again");
        }
    }
}
