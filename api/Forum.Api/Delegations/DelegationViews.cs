using Forum.Api.Infrastructure;
using NodaTime;

namespace Forum.Api.Delegations;

/// <summary>A person's contact as shown; both fields are null once erased.</summary>
public sealed record ContactView(string? Name, string? Email, bool Erased);

/// <summary>
/// A member's seat in a session: Held, Waiting (with the position in that session's line, from 1), or Ended with the
/// reason (the session was cancelled).
/// </summary>
public sealed record SeatView(Guid SessionId, string Status, long? WaitingPosition = null, string? Reason = null);

/// <summary>What rendering seats needs beyond the delegation: positions in sessions' lines, and which sessions were cancelled.</summary>
public sealed record SeatContext(Func<Guid, long, long> Position, IReadOnlySet<Guid> Cancelled)
{
    public static SeatContext None { get; } = new((_, _) => 0, new HashSet<Guid>());
}

/// <summary>A member's place: admitted, waiting (with the position in the conference's line, from 1), or none.</summary>
public sealed record PlaceView(PlaceStatus Status, long? WaitingPosition = null);

public sealed record MemberView(
    Guid Id,
    string? Name,
    string? Function,
    string? Email,
    Rank Rank,
    bool IsMinisterialRank,
    bool IsHead,
    bool HasFullPowers,
    bool Erased,
    MemberStatus Status,
    Guid? Replaces,
    Guid? ReplacedBy,
    Accreditation Accreditation,
    PlaceView Place,
    IReadOnlyList<SeatView> Seats,
    FullPowersDecision? FullPowers = null,
    bool MailUndeliverable = false);

/// <summary>A delegation as its focal point and staff see it; Number is its order of registration. AccessToken is only in the registration's answer.</summary>
public sealed record DelegationView(
    Guid Id,
    int Number,
    string ConferenceSlug,
    Party Party,
    ContactView FocalPoint,
    DelegationStatus Status,
    Instant RegisteredAt,
    long Version,
    IReadOnlyList<MemberView> Members,
    string? WithdrawalReason = null,
    string? AccessToken = null);

public sealed record WaitingMemberView(long Position, Guid DelegationId, Guid MemberId, Party Party, string? Name, bool Erased, Rank Rank, AccreditationStatus Accreditation);

public sealed record WaitingListView(string ConferenceSlug, int Capacity, int Admitted, IReadOnlyList<WaitingMemberView> Waiting);

/// <summary>A member awaiting protocol's decision: Since is when the member joined its delegation (the queue's order, oldest first).</summary>
public sealed record QueuedMemberView(
    Guid DelegationId,
    int DelegationNumber,
    long DelegationVersion,
    Party Party,
    Guid MemberId,
    string? Name,
    string? Function,
    Rank Rank,
    bool IsHead,
    bool HasFullPowers,
    bool Erased,
    PlaceView Place,
    DateTimeOffset Since);

/// <summary>A member who took a freed place from the conference's waiting list: when, and why the place freed.</summary>
public sealed record MovedUpView(Guid DelegationId, Party Party, Guid MemberId, string? Name, bool Erased, DateTimeOffset At, string Reason);

public sealed record DelegationHistoryEntry(string Type, DateTimeOffset Time, string? Actor, string? Reason, long Version, object Data);

public sealed record TokenView(string AccessToken);

public static class DelegationRenderer
{
    /// <summary>Every sealed value of a delegation, so that their keys are fetched in one query.</summary>
    public static IEnumerable<Sealed?> SealedValues(Delegation d) => d.Members.Select(m => m.Person).Prepend(d.FocalPoint);

    public static DelegationView View(DelegationDocument document, PersonalDataVault.OpenedData opened, Func<long, long> position, SeatContext? seats = null)
    {
        seats ??= SeatContext.None;
        var d = document.State;
        var focal = opened.Open<ContactDetails>(d.FocalPoint);
        return new DelegationView(
            d.Id, d.Number, d.ConferenceSlug, d.Party, new ContactView(focal?.Name, focal?.Email, focal is null), d.Status, d.RegisteredAt, document.Version,
            d.Members.Select(m =>
            {
                var person = opened.Open<PersonalDetails>(m.Person);
                return new MemberView(
                    m.Id, person?.Name, person?.Function, person?.Email, m.Rank, m.IsMinisterialRank, m.IsHead, m.HasFullPowers, person is null,
                    m.Status, m.Replaces, m.ReplacedBy, m.Accreditation,
                    new PlaceView(m.Place, m.Place == PlaceStatus.Waiting ? position(m.Ticket!.Value) : null),
                    m.SeatList.Select(s => seats.Cancelled.Contains(s.SessionId)
                        ? new SeatView(s.SessionId, "Ended", Reason: "the session was cancelled")
                        : new SeatView(s.SessionId, s.Status.ToString(), s.Status == SeatStatus.Waiting ? seats.Position(s.SessionId, s.Ticket!.Value) : null)).ToList(),
                    m.FullPowers);
            }).ToList(),
            d.WithdrawalReason);
    }
}

/// <summary>Addresses that mail no longer reaches (a bounce, a drop, a spam report), kept by the notifications feature.</summary>
public interface IMailDeliverability
{
    /// <summary>Of the given addresses, those that mail no longer reaches.</summary>
    Task<IReadOnlySet<string>> UndeliverableAddressesAsync(IReadOnlyCollection<string> emails, CancellationToken ct);
}
