using System.Diagnostics.Metrics;
using Forum.Api.Infrastructure;

namespace Forum.Api.Notifications;

/// <summary>The outbox's depth and its dead mails, read before each metrics scrape (the same figures in every process: the outbox is shared).</summary>
public sealed class MailMetrics : DatabaseGauges<MailMetrics.Depth>
{
    private readonly MailOutbox outbox;

    public MailMetrics(MailOutbox outbox, IMeterFactory meters, ILogger<MailMetrics> logger)
        : base(logger)
    {
        this.outbox = outbox;
        var meter = meters.Create(ForumMeter.Name);
        meter.CreateObservableGauge("forum.mail.outbox.waiting", () => Read(d => d.Waiting), "{mail}", "Mails in the outbox waiting to be sent");
        meter.CreateObservableGauge("forum.mail.outbox.dead", () => Read(d => d.Dead), "{mail}",
            "Mails that failed their last attempt (GET /api/conferences/{slug}/mail?state=dead)");
    }

    public sealed record Depth(long Waiting, long Dead);

    protected override async Task<Depth> ReadAsync(CancellationToken ct)
    {
        var (waiting, dead) = await outbox.DepthAsync(ct);
        return new Depth(waiting, dead);
    }

    private IEnumerable<Measurement<long>> Read(Func<Depth, long> figure) => Last is { } depth ? [new Measurement<long>(figure(depth))] : [];
}
