using Forum.Api.Infrastructure;

namespace Forum.Api.Notifications;

/// <summary>
/// Sends what the outbox has due: claims a batch under a short lease of this process, renewed while the batch is in
/// flight, opens each mail (an erased recipient's is dropped), sends it, and settles it as SendGrid answered; the mails
/// SendGrid accepted are marked sent together at the end of the batch. A process that dies leaves its lease to run out
/// within <see cref="Lease"/>, and the mails to be sent again by another. The one window in which a crash makes a
/// resend is between SendGrid's 202 and that mark: the resend carries the same message id (in its custom_args and its
/// X-Forum-Message-Id header), so that it is recognisable; and before sending a mail again, the dispatcher looks for
/// SendGrid's events about it (signed webhook, keyed by that id): a mail SendGrid reported is marked, not resent.
/// </summary>
public sealed class MailDispatcher(MailOutbox outbox, SendGridClient sendGrid, SendGridWebhook events, PersonalDataVault vault, TimeProvider time, ILogger<MailDispatcher> logger)
    : IHealthSignal
{
    /// <summary>After this many attempts that failed for a passing reason, a mail is dead (listed for organisers, who may retry it).</summary>
    public const int MaxAttempts = 8;

    /// <summary>
    /// How long a claim holds when its process stops renewing it (it died): short, so that another process sends the
    /// mail within seconds. A live process renews every <see cref="RenewEvery"/>, so it never loses a lease mid-send
    /// unless it cannot reach the database for longer than the difference.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(3);

    /// <summary>Sends in flight at once in one pass.</summary>
    public const int Parallelism = 8;

    /// <summary>Mails claimed by one pass.</summary>
    public const int BatchSize = 64;

    /// <summary>Passes a drain runs side by side, so that one claims and settles while another sends.</summary>
    public const int Lanes = 2;

    /// <summary>How long sends already under way may still take once the process is asked to stop.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly string owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly object gate = new();
    private int draining;
    private DateTimeOffset pausedUntil = DateTimeOffset.MinValue;
    private string? refusal;

    public string Component => "mail";

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
    /// Sends until nothing is due (or <paramref name="ct"/> asks to stop), in <see cref="Lanes"/> passes side by side;
    /// returns how many mails it claimed, or 0 at once when this process is draining already (a firing that came due
    /// meanwhile).
    /// </summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref draining, 1) == 1)
        {
            return 0;
        }

        try
        {
            var counts = await Task.WhenAll(Enumerable.Range(0, Lanes).Select(async _ =>
            {
                var total = 0;
                int claimed;
                while (!ct.IsCancellationRequested && (claimed = await DispatchAsync(BatchSize, ct)) > 0)
                {
                    total += claimed;
                }

                return total;
            }));
            return counts.Sum();
        }
        finally
        {
            Volatile.Write(ref draining, 0);
        }
    }

    /// <summary>One pass: claims up to <paramref name="max"/> due mails (of one conference, if named) and settles each; returns how many it claimed.</summary>
    public async Task<int> DispatchAsync(int max, CancellationToken ct, string? conference = null)
    {
        if (time.GetUtcNow() < PausedUntil)
        {
            return 0;
        }

        var claimed = await outbox.ClaimAsync(owner, max, Lease, ct, conference);
        if (claimed.Count == 0)
        {
            return 0;
        }

        // Once asked to stop, no send starts; those under way get a little while to finish and be marked.
        using var sending = new CancellationTokenSource();
        await using var stopping = ct.Register(() => sending.CancelAfter(StopGrace));
        var pending = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>(claimed.Select(m => KeyValuePair.Create(m.Id, false)));
        using var settled = new CancellationTokenSource();
        var renewing = RenewAsync(pending, settled.Token);
        var sent = new System.Collections.Concurrent.ConcurrentQueue<(Guid, string?)>();
        var started = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        try
        {
            var opened = await vault.OpenAsync(claimed.Select(m => m.Mail), sending.Token);
            var undeliverable = await events.UndeliverableAsync(
                claimed.Select(m => opened.Open<SendGridMail>(m.Mail)).OfType<SendGridMail>().SelectMany(b => b.Personalizations.SelectMany(p => p.To)).Select(a => a.Email), sending.Token);
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Math.Min(Parallelism, claimed.Count)).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < claimed.Count)
                {
                    var mail = claimed[i];
                    if (ct.IsCancellationRequested || pending.TryGetValue(mail.Id, out var lost) && lost)
                    {
                        continue;
                    }

                    started[mail.Id] = true;

                    try
                    {
                        await SendOneAsync(mail, opened.Open<SendGridMail>(mail.Mail), undeliverable, sent, sending.Token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !sending.IsCancellationRequested)
                    {
                        // Left leased: when the lease runs out, the mail is due again.
                        logger.LogWarning(e, "Mail {MessageId} could not be sent or settled; it is tried again when its lease ends", mail.Id);
                    }
                }
            }));
        }
        finally
        {
            // The mark that closes the resend window: not cancelled by a stop, retried through a passing fault.
            await SettleSentAsync(sent.ToList());
            var unstarted = claimed.Where(m => !started.ContainsKey(m.Id)).Select(m => m.Id).ToList();
            if (unstarted.Count > 0)
            {
                // Due again at once for another process, rather than when the lease would have run out.
                await outbox.ReleaseAsync(unstarted, owner, CancellationToken.None);
            }

            await settled.CancelAsync();
            await renewing;
        }

        return claimed.Count;
    }

    private async Task SendOneAsync(OutboxMail mail, SendGridMail? body, IReadOnlySet<string> undeliverable, System.Collections.Concurrent.ConcurrentQueue<(Guid, string?)> sent, CancellationToken token)
    {
        var paused = PausedUntil;
        if (time.GetUtcNow() < paused)
        {
            await outbox.LaterAsync(mail.Id, owner, paused, null, uncount: true, token);
            return;
        }

        if (body is null)
        {
            await outbox.DroppedAsync(mail.Id, owner, "the recipient's personal data was erased", token);
            return;
        }

        if (body.Personalizations.SelectMany(p => p.To).Any(a => undeliverable.Contains(events.AddressHash(a.Email))))
        {
            await outbox.DroppedAsync(mail.Id, owner, "the address bounced, was dropped or reported spam before", token);
            return;
        }

        // Claimed before and never settled (its process died, or SendGrid failed it): if SendGrid's events already
        // name it, SendGrid accepted it before that process could mark it, so it is marked now rather than sent again.
        if (mail.Attempts > 1 && (await events.EventsOfAsync(mail.Id, token)).Count > 0)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Mail {MessageId} was accepted by SendGrid before an earlier attempt could mark it (its events say so); marked sent, not sent again", mail.Id);
            }

            sent.Enqueue((mail.Id, null));
            return;
        }

        var result = await sendGrid.SendAsync(body, token);
        if (result is SendResult.Sent accepted)
        {
            lock (gate)
            {
                refusal = null;
            }

            sent.Enqueue((mail.Id, accepted.MessageId));
            return;
        }

        await SettleAsync(mail, result, token);
    }

    /// <summary>Renews the batch's lease until it is settled; a mail whose lease was lost is not started.</summary>
    private async Task RenewAsync(System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> pending, CancellationToken settled)
    {
        while (!settled.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewEvery, time, settled);
                var ids = pending.Keys.ToList();
                var renewed = await outbox.RenewAsync(ids, owner, Lease, settled);
                foreach (var id in ids.Where(id => !renewed.Contains(id)))
                {
                    // Settled meanwhile, or lost (this process was stalled past its lease): either way not ours to send.
                    pending[id] = true;
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
            await dispatcher.DrainAsync(cancellationToken);
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
