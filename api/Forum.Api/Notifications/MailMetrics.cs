using Forum.Api.Infrastructure;

namespace Forum.Api.Notifications;

/// <summary>The outbox's depth and its dead mails, read at each metrics scrape (the same figures in every process: the outbox is shared).</summary>
public sealed class MailMetrics(MailOutbox outbox) : IScrapedMetrics
{
    public async Task<IReadOnlyList<ScrapedGauge>> ReadAsync(CancellationToken ct)
    {
        var (waiting, dead) = await outbox.DepthAsync(ct);
        return
        [
            new ScrapedGauge("forum_mail_outbox_waiting", "Mails in the outbox waiting to be sent", [], waiting),
            new ScrapedGauge("forum_mail_outbox_dead", "Mails that failed their last attempt (GET /api/conferences/{slug}/mail?state=dead)", [], dead),
        ];
    }
}
