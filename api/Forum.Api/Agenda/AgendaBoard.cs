using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Agenda;

/// <summary>One day of the working agenda as the organisers' board shows it. Version is the agenda's (the ETag).</summary>
public sealed record AgendaBoard(
    string ConferenceSlug,
    string Title,
    string TimeZone,
    LocalDate FirstDay,
    LocalDate LastDay,
    LocalDate Day,
    int? PublishedVersion,
    long Version,
    IReadOnlyList<RoomView> Rooms,
    IReadOnlyList<BoardSession> Sessions);

/// <summary>
/// A session on the board. Change is what differs from the latest published version (added, cancelled, moved,
/// re-roomed, renamed, changed; null when nothing does); ChangedBy the actor of its last change, as the history records it.
/// </summary>
public sealed record BoardSession(SessionView Session, string? Change, string? ChangedBy, Instant? ChangedAt);

/// <summary>Who changed a session last, and when.</summary>
public sealed record LastChange(string? Actor, Instant At);

/// <summary>The board's bookkeeping for one conference: who changed each session last.</summary>
public sealed record AgendaBoardAuthors(IReadOnlyDictionary<Guid, LastChange> Sessions);

/// <summary>The version of a conference's agenda stream: every agenda event moves it, so it is the board's ETag.</summary>
public sealed record AgendaBoardVersion(long Version);

/// <summary>
/// Keeps, per conference, the agenda's version and who changed each session last, so that the board is one read and
/// not the whole history folded at every view. Inline: a board shown right after a change shows its author.
/// </summary>
public sealed class AgendaBoardProjection : IProjection
{
    public const string ProjectionName = "agenda-board";

    public string Name => ProjectionName;

    public static string AuthorsId(string slug) => $"{slug}:authors";

    public static string VersionId(string slug) => $"{slug}:version";

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(RoomAdded), typeof(SessionScheduled), typeof(SessionMoved), typeof(SessionRoomChanged), typeof(SessionRenamed),
        typeof(SessionDetailsChanged), typeof(SessionCancelled), typeof(SessionReinstated), typeof(AgendaPublished), typeof(SpeakingOrderFixed),
        typeof(SpeakingOrderJoined), typeof(SpeakingOrderLeft),
    ];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (!e.StreamId.StartsWith("agenda-", StringComparison.Ordinal))
            {
                continue;
            }

            var slug = e.StreamId["agenda-".Length..];
            session.Store(VersionId(slug), new AgendaBoardVersion(e.StreamVersion));
            if (EditedSession(e.Data) is not { } id)
            {
                continue;
            }

            var authors = await session.LoadAsync<AgendaBoardAuthors>(AuthorsId(slug), ct);
            var sessions = new Dictionary<Guid, LastChange>(authors?.Sessions ?? new Dictionary<Guid, LastChange>())
            {
                [id] = new LastChange(e.Metadata.Actor, Instant.FromDateTimeOffset(e.RecordedAt)),
            };
            session.Store(AuthorsId(slug), new AgendaBoardAuthors(sessions));
        }
    }

    /// <summary>The session an organiser's change is about; a delegation joining or leaving a tour de table is not one.</summary>
    private static Guid? EditedSession(object data) => data switch
    {
        SessionScheduled e => e.SessionId,
        SessionMoved e => e.SessionId,
        SessionRoomChanged e => e.SessionId,
        SessionRenamed e => e.SessionId,
        SessionDetailsChanged e => e.SessionId,
        SessionCancelled e => e.SessionId,
        SessionReinstated e => e.SessionId,
        SpeakingOrderFixed e => e.SessionId,
        _ => null,
    };

    /// <summary>What differs in a session from the latest published version, for its mark on the board.</summary>
    public static string? ChangeSince(IReadOnlyDictionary<Guid, SessionView> published, SessionView now)
    {
        var cancelled = now.Status == SessionStatus.Cancelled;
        if (!published.TryGetValue(now.Id, out var was))
        {
            // Before the first publication, a session cancelled before anyone saw it is no news.
            return published.Count == 0 && cancelled ? null : "added";
        }

        return (was, now) switch
        {
            _ when cancelled && was.Status != SessionStatus.Cancelled => "cancelled",
            _ when !cancelled && was.Status == SessionStatus.Cancelled => "reinstated",
            _ when was.Start != now.Start || was.End != now.End => "moved",
            _ when was.RoomId != now.RoomId => "re-roomed",
            _ when was.Title != now.Title => "renamed",
            _ when was.Kind != now.Kind || was.Chair != now.Chair || was.IsPublic != now.IsPublic || was.Description != now.Description
                || was.ExpectedAttendance != now.ExpectedAttendance || !was.Speakers.SequenceEqual(now.Speakers) => "changed",
            _ => null,
        };
    }
}
