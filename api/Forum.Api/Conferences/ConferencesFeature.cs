using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Conferences;

public sealed class ConferencesFeature : IEventSourcedFeature
{
    public void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<SeriesCreated>("series-created")
        .Register<ConferenceScheduled>("conference-scheduled")
        .Register<ConferencePublished>("conference-published")
        .Register<RegistrationOpened>("registration-opened")
        .Register<RegistrationClosed>("registration-closed")
        .Register<ConferenceCancelled>("conference-cancelled")
        .Register<ConferenceConcluded>("conference-concluded");

    public IEnumerable<IProjection> InlineProjections => [new ConferenceCatalogue()];
}
