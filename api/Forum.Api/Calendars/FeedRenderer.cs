using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using NodaTime;

namespace Forum.Api.Calendars;

/// <summary>The three kinds of feed; each keeps its own SEQUENCE per session, since each shows a session differently.</summary>
public enum FeedKind
{
    /// <summary>The conference's public agenda: closed sessions listed as closed, without description.</summary>
    Public,

    /// <summary>A delegation's sessions (closed ones included), with the tour de table of ministerial sessions.</summary>
    Delegation,

    /// <summary>One member's sessions.</summary>
    Person,
}

/// <summary>Settings of the feeds: the organiser's address of PUBLISH feeds, the address of a session's page.</summary>
public sealed class CalendarOptions
{
    public string OrganizerEmail { get; set; } = "noreply@forum.example.org";

    /// <summary>{slug}, {number} and {id} are replaced; the default is the session in the API's published agenda.</summary>
    public string SessionUrl { get; set; } = "http://127.0.0.1:5080/api/conferences/{slug}/agenda#session-{number}";

    /// <summary>The public base address of feed URLs (https://...); when empty, the address the request came to.</summary>
    public string? PublicBaseUrl { get; set; }

    public string SessionUrlOf(string slug, SessionView session) => SessionUrl
        .Replace("{slug}", Uri.EscapeDataString(slug), StringComparison.Ordinal)
        .Replace("{number}", session.Number.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{id}", session.Id.ToString(), StringComparison.Ordinal);
}

/// <summary>A session as one kind of feed shows it; its hash changes exactly when a subscriber could see a change.</summary>
public sealed record FeedEvent(
    Guid Uid,
    LocalDateTime Start,
    LocalDateTime End,
    string Summary,
    string Description,
    string Location,
    string Category,
    string Url,
    bool Confidential,
    bool Cancelled)
{
    private static readonly JsonSerializerOptions HashJson = Json.CreateOptions();

    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this, HashJson)));
}

/// <summary>SEQUENCE and LAST-MODIFIED of one session in one kind of feed, and the hash of what it showed then.</summary>
public sealed record SequenceState(string Hash, int Sequence, Instant Modified);

public sealed record SessionSequences(Dictionary<FeedKind, SequenceState> Kinds)
{
    public static string DocumentId(string slug, Guid sessionId) => $"sequence/{slug}/{sessionId}";

    /// <summary>The sequences after a kind of feed showed the session as <paramref name="shown"/>: the same object when nothing changed, otherwise raised (0 the first time).</summary>
    public static SessionSequences Next(SessionSequences? before, FeedKind kind, FeedEvent shown, Instant at)
    {
        var hash = shown.Hash();
        var state = before?.Kinds.GetValueOrDefault(kind);
        if (state?.Hash == hash)
        {
            return before!;
        }

        var kinds = new Dictionary<FeedKind, SequenceState>(before?.Kinds ?? [])
        {
            [kind] = state is null ? new SequenceState(hash, 0, at) : new SequenceState(hash, state.Sequence + 1, at),
        };
        return new SessionSequences(kinds);
    }
}

public static class FeedRenderer
{
    public const string ProductId = "-//Forum//Forum conference feeds//EN";

    /// <summary>
    /// A feed's name (X-WR-CALNAME and NAME): the conference's title, with the party's name for a delegation's feed and
    /// "my sessions" for a person's. The same whether the feed has events yet or not.
    /// </summary>
    public static string Name(ConferenceScheduled conference, FeedKind kind, string? partyName = null) => kind switch
    {
        FeedKind.Delegation => $"{conference.Title}: {partyName}",
        FeedKind.Person => $"{conference.Title}: my sessions",
        _ => conference.Title,
    };

    /// <summary>The session as a kind of feed shows it, or null when that kind does not show it at all.</summary>
    /// <param name="tour">The parties in the speaking order, for a ministerial session in a delegation's feed.</param>
    public static FeedEvent? EventOf(ConferenceScheduled conference, SessionView s, FeedKind kind, CalendarOptions options, IReadOnlyList<Delegations.Party>? tour = null)
    {
        var closed = !s.IsPublic;
        if (kind == FeedKind.Public && closed && !s.Listed)
        {
            return null;
        }

        var description = new StringBuilder();
        description.Append(Venues.ProtocolOrder.Words(s.Kind.ToString()));
        if (closed)
        {
            description.Append(" (closed session, by invitation only)");
        }

        description.Append('.');
        if (!(kind == FeedKind.Public && closed))
        {
            if (s.Chair is { } chair)
            {
                description.Append("\nChair: ").Append(chair);
            }

            if (s.Speakers.Count > 0)
            {
                description.Append("\nSpeakers: ").Append(string.Join(", ", s.Speakers));
            }

            if (kind == FeedKind.Delegation && tour is { Count: > 0 })
            {
                description.Append("\nSpeaking order: ").Append(string.Join("; ", tour.Select((party, i) => $"{i + 1}. {party.Name}")));
            }

            if (s.Description is { Length: > 0 } text)
            {
                description.Append("\n\n").Append(text);
            }
        }

        if (s.Status == SessionStatus.Cancelled)
        {
            description.Insert(0, $"Cancelled{(s.CancellationReason is { } why ? $": {why}" : "")}.\n");
        }

        var url = options.SessionUrlOf(conference.Slug, s);
        description.Append("\n\n").Append(url);
        var location = $"{s.RoomName}, {conference.Venue.Name}, {conference.Venue.City}";
        return new FeedEvent(s.Id, s.Start, s.End, s.Title, description.ToString(), location, s.Kind.ToString(), url, closed, s.Status == SessionStatus.Cancelled);
    }

    /// <summary>
    /// A whole feed: PUBLISH with an ORGANIZER for the conference's and a delegation's feed, no METHOD for a person's;
    /// never an ATTENDEE. Events in start order, each with its UID (the session's id), SEQUENCE and LAST-MODIFIED.
    /// </summary>
    public static byte[] Render(
        ConferenceScheduled conference, FeedKind kind, string name, IReadOnlyList<(FeedEvent Event, SequenceState Sequence)> events, CalendarOptions options)
    {
        var zone = DateTimeZoneProviders.Tzdb[conference.TimeZone];
        var w = new CalendarWriter().Begin("VCALENDAR").Raw("VERSION", "2.0").Raw("PRODID", ProductId).Raw("CALSCALE", "GREGORIAN");
        if (kind != FeedKind.Person)
        {
            w.Raw("METHOD", "PUBLISH");
        }

        w.Text("X-WR-CALNAME", name).Text("NAME", name).Raw("X-WR-TIMEZONE", conference.TimeZone)
            .Raw("REFRESH-INTERVAL", "PT1H", ("VALUE", "DURATION")).Raw("X-PUBLISHED-TTL", "PT1H");
        var ordered = events.OrderBy(e => e.Event.Start).ThenBy(e => e.Event.Uid).ToList();
        if (ordered.Count > 0)
        {
            TimeZoneDefinition.Write(w, zone, ordered.Min(e => e.Event.Start.InZoneLeniently(zone).ToInstant()), ordered.Max(e => e.Event.End.InZoneLeniently(zone).ToInstant()));
        }

        foreach (var (e, sequence) in ordered)
        {
            w.Begin("VEVENT")
                .Raw("UID", e.Uid.ToString())
                .Utc("DTSTAMP", sequence.Modified)
                .Utc("LAST-MODIFIED", sequence.Modified)
                .Raw("SEQUENCE", sequence.Sequence.ToString(CultureInfo.InvariantCulture))
                .Zoned("DTSTART", e.Start, conference.TimeZone)
                .Zoned("DTEND", e.End, conference.TimeZone)
                .Text("SUMMARY", e.Summary)
                .Text("DESCRIPTION", e.Description)
                .Text("LOCATION", e.Location)
                .Text("CATEGORIES", e.Category)
                .Raw("URL", e.Url, ("VALUE", "URI"))
                .Raw("CLASS", e.Confidential ? "CONFIDENTIAL" : "PUBLIC")
                .Raw("STATUS", e.Cancelled ? "CANCELLED" : "CONFIRMED")
                .Raw("TRANSP", "OPAQUE");
            if (kind != FeedKind.Person)
            {
                w.Raw("ORGANIZER", $"mailto:{options.OrganizerEmail}", ("CN", conference.Title));
            }

            w.End("VEVENT");
        }

        return w.End("VCALENDAR").ToUtf8();
    }
}
