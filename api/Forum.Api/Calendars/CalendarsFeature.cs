using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using Microsoft.Extensions.Options;

namespace Forum.Api.Calendars;

public sealed class CalendarsFeature(IOptions<CalendarOptions> options) : IEventSourcedFeature
{
    public void RegisterEvents(EventTypeRegistry registry) => registry.Register<FeedTokenIssued>("feed-token-issued");

    public IEnumerable<IProjection> InlineProjections => [new FeedGrantProjection()];

    public IEnumerable<IProjection> AsyncProjections => [new FeedProjection(options.Value)];

    // Calendar clients poll all day: grants and the stamps of renderings are read from memory, forgotten on change.
    public IEnumerable<string> WatchedProjections => [FeedGrantProjection.ProjectionName, FeedProjection.ProjectionName];
}
