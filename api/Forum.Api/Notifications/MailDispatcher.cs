using Forum.Api.Infrastructure;

namespace Forum.Api.Notifications;

/// <summary>
/// Sends what the outbox has due: claims a batch under a lease of this process, opens each mail (an erased recipient's
/// is dropped), sends it, and settles it as SendGrid answered. A crash between SendGrid's 202 and the mark leaves the
/// lease to expire and the mail to be sent again, with the same message id (in its custom_args and its
/// X-Forum-Message-Id header), so that the resend is recognisable.
/// </summary>
public sealed class MailDispatcher(MailOutbox outbox, SendGridClient sendGrid, SendGridWebhook events, PersonalDataVault vault, TimeProvider time, ILogger<MailDispatcher> logger)
    : IHealthSignal
{
    /// <summary>After this many attempts that failed for a passing reason, a mail is dead (listed for organisers, who may retry it).</summary>
    public const int MaxAttempts = 8;

    /// <summary>Longer than a send with its quick retries may take, so that a live process never loses its lease.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private readonly string owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly object gate = new();
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

        var opened = await vault.OpenAsync(claimed.Select(m => m.Mail), ct);
        var undeliverable = await events.UndeliverableAsync(
            claimed.Select(m => opened.Open<SendGridMail>(m.Mail)).OfType<SendGridMail>().SelectMany(b => b.Personalizations.SelectMany(p => p.To)).Select(a => a.Email), ct);
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (mail, token) =>
        {
            var paused = PausedUntil;
            if (time.GetUtcNow() < paused)
            {
                await outbox.LaterAsync(mail.Id, owner, paused, null, uncount: true, token);
                return;
            }

            if (opened.Open<SendGridMail>(mail.Mail) is not { } body)
            {
                await outbox.DroppedAsync(mail.Id, owner, "the recipient's personal data was erased", token);
                return;
            }

            if (body.Personalizations.SelectMany(p => p.To).Any(a => undeliverable.Contains(events.AddressHash(a.Email))))
            {
                await outbox.DroppedAsync(mail.Id, owner, "the address bounced, was dropped or reported spam before", token);
                return;
            }

            await SettleAsync(mail, await sendGrid.SendAsync(body, token), token);
        });
        return claimed.Count;
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

/// <summary>Runs the dispatcher while the process lives: a pass every second, or at once while there is more to send.</summary>
public sealed class MailDispatcherService(MailDispatcher dispatcher, ILogger<MailDispatcherService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await dispatcher.DispatchAsync(50, stoppingToken) > 0)
                {
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The mail dispatcher failed a pass; it tries again");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
