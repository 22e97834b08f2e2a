using Forum.Api.Delegations;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Venues;

/// <summary>A member's current badge serial: codes with another serial are refused.</summary>
public sealed record BadgeSerial(Guid MemberId, Guid DelegationId, string ConferenceSlug, int Serial)
{
    public static string DocumentId(Guid memberId) => $"badge/{memberId}";
}

/// <summary>A member's check-in as lists and counts read it: when it was scanned, when it reached the server, where.</summary>
public sealed record CheckInRecord(Guid MemberId, Guid DelegationId, PartyKind PartyKind, Instant ScannedAt, Instant RecordedAt, string? Gate, string? ScanId, string? Reason = null)
{
    public static string Prefix(string slug) => $"checkin/{slug}/";

    public static string DocumentId(string slug, Guid memberId) => $"{Prefix(slug)}{memberId}";
}

/// <summary>A scan that admitted an already checked-in member again: kept for the gates and for a look by protocol.</summary>
public sealed record AdmittedAgainRecord(Guid MemberId, Guid DelegationId, PartyKind PartyKind, string ScanId, Instant ScannedAt, Instant RecordedAt, string? Gate, string? Reason = null)
{
    public static string Prefix(string slug) => $"admitted-again/{slug}/";

    // The scan id last: it is the scanner's text, and the member before it keeps ids of different members apart.
    public static string DocumentId(string slug, Guid memberId, string scanId) => $"{Prefix(slug)}{memberId}/{scanId}";
}

/// <summary>Inline: the serial a check-in compares with and the check-ins the summary and the list count are exact at once.</summary>
public sealed class VenueProjection : IProjection
{
    public const string ProjectionName = "venue";

    public string Name => ProjectionName;

    public Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case BadgeIssued i:
                    session.Store(BadgeSerial.DocumentId(i.MemberId), new BadgeSerial(i.MemberId, i.DelegationId, i.ConferenceSlug, i.Serial));
                    break;
                case BadgeReissued r:
                    session.Store(BadgeSerial.DocumentId(r.MemberId), new BadgeSerial(r.MemberId, r.DelegationId, r.ConferenceSlug, r.Serial));
                    break;
                case MemberCheckedIn c:
                    session.Store(
                        CheckInRecord.DocumentId(c.ConferenceSlug, c.MemberId),
                        new CheckInRecord(c.MemberId, c.DelegationId, c.PartyKind, c.ScannedAt, Instant.FromDateTimeOffset(e.RecordedAt), c.Gate, c.ScanId, c.Reason));
                    break;
                case MemberAdmittedAgain a:
                    session.Store(
                        AdmittedAgainRecord.DocumentId(a.ConferenceSlug, a.MemberId, a.ScanId),
                        new AdmittedAgainRecord(a.MemberId, a.DelegationId, a.PartyKind, a.ScanId, a.ScannedAt, Instant.FromDateTimeOffset(e.RecordedAt), a.Gate, a.Reason));
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
