using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Venues;

public sealed class VenueFeature : IEventSourcedFeature
{
    public void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<BadgeIssued>("badge-issued")
        .Register<BadgeReissued>("badge-reissued")
        .Register<MemberCheckedIn>("member-checked-in")
        .Register<MemberAdmittedAgain>("member-admitted-again");

    public IEnumerable<IProjection> InlineProjections => [new VenueProjection()];

    public IEnumerable<(string Component, IReadOnlyList<string> Migrations)> Migrations => [("venue", BadgeSigningKeys.Migrations)];

}
