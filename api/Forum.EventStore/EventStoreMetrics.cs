using System.Diagnostics.Metrics;

namespace Forum.EventStore;

/// <summary>The store's own instruments (System.Diagnostics.Metrics), for whatever exporter the host attaches.</summary>
public static class EventStoreMetrics
{
    public const string MeterName = "Forum.EventStore";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Events committed by this process.</summary>
    public static readonly Counter<long> EventsAppended = Meter.CreateCounter<long>("forum.eventstore.events.appended", "{event}", "Events committed by this process");
}
