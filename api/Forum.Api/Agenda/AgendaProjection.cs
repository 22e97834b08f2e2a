using System.Text.Json;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Agenda;

public enum AgendaVariant
{
    /// <summary>Every session, closed ones included (organisers).</summary>
    Full,

    /// <summary>Public sessions, and closed ones listed as closed, without description or seat holders (everyone else).</summary>
    Public,
}

public sealed record PublishedVersion(int Version, Instant PublishedAt);

/// <summary>A published rendering, stored as the exact bytes a request is answered with.</summary>
public sealed record RenderedDocument(string Body);

/// <summary>
/// Keeps the working agenda of each conference and, for every published version, its renderings (agenda JSON
/// for organisers and for the public, frab XML and JSON) so that reads serve stored bytes and never fold events.
/// </summary>
public sealed class AgendaProjection(Func<string, SessionView, string>? sessionUrl = null) : IProjection
{
    public const string ProjectionName = "agenda";

    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();

    public string Name => ProjectionName;

    public static string ConferenceId(string slug) => $"{slug}:conference";

    public static string StateId(string slug) => $"{slug}:state";

    public static string LatestId(string slug) => $"{slug}:latest";

    public static string RenderingId(string slug, int version, string rendering) => $"{slug}:v{version}:{rendering}";

    public static string AgendaRendering(AgendaVariant variant) => variant == AgendaVariant.Full ? "full.json" : "public.json";

    public const string FrabXml = "public.xml";

    public const string FrabJson = "public.frab.json";

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (e.Data is ConferenceScheduled scheduled)
            {
                session.Store(ConferenceId(scheduled.Slug), scheduled);
                continue;
            }

            if (!e.StreamId.StartsWith("agenda-", StringComparison.Ordinal))
            {
                continue;
            }

            var slug = e.StreamId["agenda-".Length..];
            var state = await session.LoadAsync<AgendaState>(StateId(slug), ct) ?? AgendaState.Empty;
            state = AgendaDecider.Instance.Evolve(state, e.Data);
            session.Store(StateId(slug), state);
            if (e.Data is AgendaPublished published && await session.LoadAsync<ConferenceScheduled>(ConferenceId(slug), ct) is { } conference)
            {
                foreach (var variant in new[] { AgendaVariant.Full, AgendaVariant.Public })
                {
                    var view = AgendaRenderer.Render(conference, state, variant, published.Version, published.PublishedAt, published.TourDeTable);
                    session.Store(RenderingId(slug, published.Version, AgendaRendering(variant)), new RenderedDocument(JsonSerializer.Serialize(view, JsonOptions)));
                    if (variant == AgendaVariant.Public)
                    {
                        Func<SessionView, string>? url = sessionUrl is null ? null : s => sessionUrl(slug, s);
                        session.Store(RenderingId(slug, published.Version, FrabXml), new RenderedDocument(FrabSchedule.ToXml(conference, view, sessionUrl: url)));
                        session.Store(RenderingId(slug, published.Version, FrabJson), new RenderedDocument(FrabSchedule.ToJson(conference, view, sessionUrl: url)));
                    }
                }

                session.Store(LatestId(slug), new PublishedVersion(published.Version, published.PublishedAt));
            }
        }
    }
}

public static class AgendaRenderer
{
    /// <summary>Sessions by day and room, in the conference's zone, with their instants.</summary>
    /// <param name="tours">The tour de table of ministerial sessions, shown to organisers only (the public sees no seat holders).</param>
    public static AgendaView Render(
        ConferenceScheduled conference, AgendaState state, AgendaVariant variant, int? version, Instant? publishedAt, IReadOnlyDictionary<Guid, IReadOnlyList<SpeakerTurn>>? tours = null)
    {
        var zone = DateTimeZoneProviders.Tzdb[conference.TimeZone];
        var rooms = state.Rooms.ToDictionary(r => r.Id);
        // The public sees that closed sessions happen (when, where, what kind), not what is said or who sits there.
        var sessions = state.Sessions.Values
            .Where(s => variant == AgendaVariant.Full || s.Plan.IsPublic || s.Plan.Listed)
            .Select(s => View(s, rooms[s.Plan.RoomId].Name, zone))
            .Select(v => variant == AgendaVariant.Full || v.IsPublic ? v : v with { Description = null, SpeakingOrder = [] })
            .Select(v => variant == AgendaVariant.Full && tours is not null && tours.TryGetValue(v.Id, out var tour) ? v with { TourDeTable = tour } : v)
            .ToList();
        var days = new List<AgendaDay>();
        for (var day = conference.FirstDay; day <= conference.LastDay; day = day.PlusDays(1))
        {
            var date = day;
            days.Add(new AgendaDay(date, state.Rooms
                .Select(r => new AgendaRoom(r.Id, r.Name, sessions.Where(s => s.RoomId == r.Id && s.Start.Date == date).OrderBy(s => s.StartUtc).ThenBy(s => s.Number).ToList()))
                .ToList()));
        }

        return new AgendaView(
            conference.Slug, conference.Title, conference.TimeZone, conference.FirstDay, conference.LastDay, version, publishedAt,
            state.Rooms.Select(r => new RoomView(r.Id, r.Name, r.Capacity, r.Interpretation)).ToList(),
            days);
    }

    public static SessionView View(Session s, string roomName, DateTimeZone zone)
    {
        var p = s.Plan;
        return new(
            s.Id, s.Number, p.Kind, p.Title, p.Description, p.RoomId, roomName, p.Start, p.End,
            AgendaDecider.ToInstant(p.Start, zone), AgendaDecider.ToInstant(p.End, zone),
            p.Chair, p.Speakers, p.IsPublic, p.ExpectedAttendance, s.Status, s.CancellationReason, s.Revision, s.SpeakingOrder ?? [], p.Listed);
    }
}
