using Forum.Api.Calendars;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Agenda;

/// <summary>The agenda's events and projection; the frab exports link each event to the session's page (Calendars:SessionUrl).</summary>
public sealed class AgendaFeature(Microsoft.Extensions.Options.IOptions<CalendarOptions> calendars) : IEventSourcedFeature, IConferenceStreams
{
    public void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<RoomAdded>("room-added")
        .Register<SessionScheduled>("session-scheduled")
        .Register<SessionMoved>("session-moved")
        .Register<SessionRoomChanged>("session-room-changed")
        .Register<SessionRenamed>("session-renamed")
        .Register<SessionDetailsChanged>("session-details-changed")
        .Register<SessionCancelled>("session-cancelled")
        .Register<SessionReinstated>("session-reinstated")
        .Register<AgendaPublished>("agenda-published")
        .Register<SpeakingOrderFixed>("speaking-order-fixed")
        .Register<SpeakingOrderJoined>("speaking-order-joined")
        .Register<SpeakingOrderLeft>("speaking-order-left");

    public IEnumerable<IProjection> InlineProjections => [new AgendaProjection(calendars.Value.SessionUrlOf), new AgendaBoardProjection()];

    public Task<IReadOnlyList<string>> StreamsOfAsync(string conferenceSlug, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([AgendaState.StreamId(conferenceSlug)]);
}
