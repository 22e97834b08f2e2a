using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Delegations;

public sealed class DelegationsFeature : IEventSourcedFeature
{
    public void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<DelegationRegistered>("delegation-registered")
        .Register<MemberAdded>("member-added")
        .Register<MemberAdmitted>("member-admitted")
        .Register<MemberWaitlisted>("member-waitlisted")
        .Register<MemberMovedUp>("member-moved-up")
        .Register<PlaceReleased>("place-released")
        .Register<WaitingListLeft>("waiting-list-left")
        .Register<MemberReplaced>("member-replaced")
        .Register<MemberWithdrawn>("member-withdrawn")
        .Register<AccreditationDecided>("accreditation-decided")
        .Register<FocalPointChanged>("focal-point-changed")
        .Register<DelegationWithdrawn>("delegation-withdrawn")
        .Register<AccessTokenRotated>("access-token-rotated")
        .Register<MemberPersonalDataErased>("member-personal-data-erased")
        .Register<SeatTaken>("seat-taken")
        .Register<SeatWaitlisted>("seat-waitlisted")
        .Register<SeatMovedUp>("seat-moved-up")
        .Register<SeatReleased>("seat-released")
        .Register<SeatWaitingLeft>("seat-waiting-left")
        .Register<FloorRequested>("floor-requested")
        .Register<FloorWithdrawn>("floor-withdrawn")
        .Register<FullPowersDecided>("full-powers-decided");

    public IEnumerable<IProjection> InlineProjections => [new DelegationProjection()];
}
