using NodaTime;

namespace Forum.Api.Demo;

/// <summary>
/// A clock the demo sets to moments of the past: the declarations' rules read the time (the adoption's year, the
/// signing ceremony's start, the reporting deadlines), so the seeded history is decided as it happened.
/// </summary>
public sealed class HistoricalClock : TimeProvider
{
    private Instant now;

    public void Set(LocalDateTime local, DateTimeZone zone) => now = local.InZoneLeniently(zone).ToInstant();

    public override DateTimeOffset GetUtcNow() => now.ToDateTimeOffset();
}
