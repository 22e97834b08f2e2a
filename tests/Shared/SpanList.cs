using System.Collections.ObjectModel;
using System.Diagnostics;

namespace Forum.Tests.Shared;

/// <summary>An in-memory exporter's list of spans, written by the exporter while a test reads it (the tracing tests of the API and the web client).</summary>
internal sealed class SpanList : Collection<Activity>
{
    public List<Activity> Snapshot()
    {
        lock (Items)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (Items)
        {
            base.InsertItem(index, item);
        }
    }
}
