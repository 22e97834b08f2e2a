using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Declarations;

public sealed class DeclarationsFeature : IEventSourcedFeature
{
    public void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<DeclarationDrafted>("declaration-drafted")
        .Register<DeclarationRedrafted>("declaration-redrafted")
        .Register<DeclarationAdopted>("declaration-adopted")
        .Register<DeclarationOpenedForSignature>("declaration-opened-for-signature")
        .Register<DeclarationSigned>("declaration-signed")
        .Register<SignatureWithdrawn>("signature-withdrawn")
        .Register<ProgressReported>("progress-reported");

    public IEnumerable<IProjection> InlineProjections => [new DeclarationProjection()];

    // The register and the yearly aggregates are public reads: their stamps are read from memory, forgotten on change.
    public IEnumerable<string> WatchedProjections => [DeclarationProjection.ProjectionName];
}
