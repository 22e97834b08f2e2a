using Forum.Api.Agenda;
using Forum.Api.Infrastructure;

namespace Forum.Api.Delegations;

public enum SeatStatus
{
    Held,
    Waiting,
}

/// <summary>A member's seat in a session, or its place in that session's line (Ticket).</summary>
public sealed record Seat(Guid SessionId, SeatStatus Status, long? Ticket = null);

/// <summary>The delegation asked for the floor in a ministerial session; Sequence orders the asking across delegations.</summary>
public sealed record FloorRequest(Guid SessionId, long Sequence);

public sealed record SeatTaken(Guid SessionId, Guid MemberId);

/// <summary>The session was full: the member waits behind every smaller ticket of that session.</summary>
public sealed record SeatWaitlisted(Guid SessionId, Guid MemberId, long Ticket);

public sealed record SeatMovedUp(Guid SessionId, Guid MemberId, long Ticket, string Reason);

/// <summary>A seat given back, or ended by its cause (the member withdrawn or rejected, the delegation withdrawn).</summary>
public sealed record SeatReleased(Guid SessionId, Guid MemberId, string Reason);

public sealed record SeatWaitingLeft(Guid SessionId, Guid MemberId, long Ticket, string Reason);

public sealed record FloorRequested(Guid SessionId, long Sequence);

/// <summary>The delegation no longer holds a seat in the session, so it no longer asks for the floor there.</summary>
public sealed record FloorWithdrawn(Guid SessionId);

/// <summary>What seat decisions need of a session (from the agenda, read under its lock).</summary>
public sealed record SeatSession(Guid Id, SessionKind Kind, bool IsPublic, bool Cancelled, int Capacity, string Title)
{
    public static SeatSession? Of(AgendaState agenda, Guid sessionId) =>
        agenda.Sessions.TryGetValue(sessionId, out var s)
            ? new SeatSession(s.Id, s.Plan.Kind, s.Plan.IsPublic, s.Status == SessionStatus.Cancelled, agenda.Rooms.Single(r => r.Id == s.Plan.RoomId).Capacity, s.Plan.Title)
            : null;
}

/// <summary>A session's seats (kept by <see cref="DelegationProjection"/>): held, waiting, the next ticket and floor sequence.</summary>
public sealed record SessionSeats(Guid SessionId, int Held, int Waiting, long NextTicket, long NextFloor)
{
    public static string DocumentId(string slug, Guid sessionId) => $"seats/{slug}/{sessionId}";

    public static SessionSeats Empty(Guid sessionId) => new(sessionId, 0, 0, 1, 1);

    public SessionSeats Evolve(object change) => change switch
    {
        SeatTaken => this with { Held = Held + 1 },
        SeatReleased => this with { Held = Held - 1 },
        SeatWaitlisted w => this with { Waiting = Waiting + 1, NextTicket = Math.Max(NextTicket, w.Ticket + 1) },
        SeatWaitingLeft => this with { Waiting = Waiting - 1 },
        SeatMovedUp => this with { Held = Held + 1, Waiting = Waiting - 1 },
        FloorRequested f => this with { NextFloor = Math.Max(NextFloor, f.Sequence + 1) },
        _ => this,
    };

    /// <summary>The session a seat event is about, or null for other events.</summary>
    public static Guid? SessionOf(object change) => change switch
    {
        SeatTaken e => e.SessionId,
        SeatReleased e => e.SessionId,
        SeatWaitlisted e => e.SessionId,
        SeatWaitingLeft e => e.SessionId,
        SeatMovedUp e => e.SessionId,
        FloorRequested e => e.SessionId,
        _ => null,
    };
}

/// <summary>One member in a session's line for a seat.</summary>
public sealed record SeatWaitingEntry(Guid SessionId, long Ticket, Guid DelegationId, Guid MemberId)
{
    public static string Prefix(string slug, Guid sessionId) => $"{ConferencePrefix(slug)}{sessionId}/";

    public static string DocumentId(string slug, Guid sessionId, long ticket) => $"{Prefix(slug, sessionId)}{ticket:D12}";

    public static string ConferencePrefix(string slug) => $"seat-waiting/{slug}/";
}

public abstract partial record DelegationCommand
{
    public sealed record RequestSeats(SeatSession Session, SessionSeats Seats, IReadOnlyList<Guid> MemberIds, bool RequestsFloor) : DelegationCommand;

    public sealed record ReleaseSeat(Guid SessionId, Guid MemberId) : DelegationCommand;
}

/// <summary>
/// Seats: accredited members only; a ministerial session admits, per delegation, its head when of ministerial rank
/// and at most one adviser; a session holds what its room holds, and then its own line forms.
/// </summary>
public sealed partial class DelegationDecider
{
    private static List<object> RequestSeats(DelegationCommand.RequestSeats c, Delegation state)
    {
        var session = c.Session;
        if (session.Cancelled)
        {
            throw ProblemException.Conflict("session_cancelled", $"'{session.Title}' was cancelled: it has no seats.");
        }

        var ministerial = session.Kind == SessionKind.Ministerial;
        var members = c.MemberIds.Distinct().Select(id => ActiveMember(state, id)).ToList();
        foreach (var member in members.Where(m => m.Accreditation.Status != AccreditationStatus.Approved || m.Place != PlaceStatus.Admitted))
        {
            throw ProblemException.Unprocessable(
                "not_accredited",
                member.Place == PlaceStatus.Admitted
                    ? "Only accredited members take seats; this member's accreditation is " + member.Accreditation.Status.ToString().ToLowerInvariant() + "."
                    : "Only participants take seats; this member is still waiting for a place at the conference.",
                new Dictionary<string, object?> { ["memberId"] = member.Id });
        }

        if (ministerial)
        {
            RequireEntitled(state, session, members);
        }

        var events = new List<object>();
        var seats = c.Seats;
        foreach (var member in members.Where(m => m.SeatIn(session.Id) is null))
        {
            if (seats.Held < session.Capacity && seats.Waiting == 0)
            {
                events.Add(new SeatTaken(session.Id, member.Id));
                seats = seats with { Held = seats.Held + 1 };
            }
            else
            {
                events.Add(new SeatWaitlisted(session.Id, member.Id, seats.NextTicket));
                seats = seats with { Waiting = seats.Waiting + 1, NextTicket = seats.NextTicket + 1 };
            }
        }

        if (c.RequestsFloor)
        {
            if (!ministerial)
            {
                throw new ValidationException(new Dictionary<string, string[]> { ["requestsFloor"] = ["The floor is asked for in ministerial sessions (the tour de table)."] });
            }

            if (state.FloorRequests.All(f => f.SessionId != session.Id))
            {
                events.Add(new FloorRequested(session.Id, seats.NextFloor));
            }
        }

        return events;
    }

    /// <summary>The head of ministerial rank, and at most one adviser per delegation.</summary>
    private static void RequireEntitled(Delegation state, SeatSession session, IReadOnlyList<Member> requested)
    {
        foreach (var head in requested.Where(m => m.IsHead && !m.IsMinisterialRank))
        {
            throw ProblemException.Unprocessable(
                "not_entitled_to_seat",
                $"A ministerial session seats the head of delegation when of ministerial rank; this head is of rank {head.Rank}.",
                new Dictionary<string, object?> { ["memberId"] = head.Id });
        }

        var advisers = state.ActiveMembers.Where(m => !m.IsHead && m.SeatIn(session.Id) is not null)
            .Concat(requested.Where(m => !m.IsHead))
            .DistinctBy(m => m.Id)
            .ToList();
        if (advisers.Count > 1)
        {
            throw ProblemException.Unprocessable(
                "not_entitled_to_seat",
                "A ministerial session seats at most one adviser per delegation, beside its head.",
                new Dictionary<string, object?> { ["memberIds"] = advisers.Select(a => a.Id).ToList() });
        }
    }

    private static List<object> ReleaseSeat(DelegationCommand.ReleaseSeat c, Delegation state)
    {
        var member = state.Find(c.MemberId) ?? throw ProblemException.NotFound("such member");
        var seat = member.SeatIn(c.SessionId) ?? throw ProblemException.NotFound("seat of this member in that session");
        return [Release(member.Id, seat, "the delegation gave the seat back")];
    }

    private static IEnumerable<object> ReleaseSeats(Member member, string reason) => member.SeatList.Select(seat => Release(member.Id, seat, reason));

    private static object Release(Guid memberId, Seat seat, string reason) => seat.Status == SeatStatus.Held
        ? new SeatReleased(seat.SessionId, memberId, reason)
        : new SeatWaitingLeft(seat.SessionId, memberId, seat.Ticket!.Value, reason);

    /// <summary>A delegation left without a seat (held or waiting) in a session no longer asks for the floor there.</summary>
    private List<FloorWithdrawn> FloorsLost(Delegation state, IReadOnlyList<object> events)
    {
        if (state.FloorRequests.Count == 0)
        {
            return [];
        }

        var after = events.Aggregate<object, Delegation?>(state, Evolve)!;
        return after.FloorRequests
            .Where(f => !after.ActiveMembers.Any(m => m.SeatIn(f.SessionId) is not null))
            .Select(f => new FloorWithdrawn(f.SessionId))
            .ToList();
    }
}

/// <summary>The tour de table of a ministerial session, as protocol orders it.</summary>
public static class SpeakingOrder
{
    /// <summary>Who speaks for a delegation: its head when seated, otherwise its seated adviser.</summary>
    public static Member? SpeakerOf(Delegation delegation, Guid sessionId) =>
        delegation.ActiveMembers.Where(m => m.SeatIn(sessionId)?.Status == SeatStatus.Held).OrderByDescending(m => m.IsHead).FirstOrDefault();

    /// <summary>
    /// Delegations that hold a seat and asked for the floor: heads of ministerial rank first, then by the speaker's
    /// rank in the order of precedence, then in the order in which the delegations asked.
    /// </summary>
    /// <summary>
    /// The order in force: a fixed order (the session's) keeps its delegations that are still entitled to speak, and
    /// those entitled since follow in the order they asked; without a fixed order, <see cref="Compute"/>.
    /// </summary>
    public static IReadOnlyList<(Delegation Delegation, Member Speaker, long Asked)> InForce(IEnumerable<Delegation> delegations, Guid sessionId, IReadOnlyList<Guid> fixedOrder)
    {
        var computed = Compute(delegations, sessionId);
        if (fixedOrder.Count == 0)
        {
            return computed;
        }

        var entitled = computed.ToDictionary(x => x.Delegation.Id);
        return fixedOrder.Where(entitled.ContainsKey).Select(id => entitled[id])
            .Concat(computed.Where(x => !fixedOrder.Contains(x.Delegation.Id)).OrderBy(x => x.Asked))
            .ToList();
    }

    /// <summary>Once a session's order is fixed, a delegation asking for the floor joins it and one that stops leaves it.</summary>
    public static List<object> Changes(AgendaState agenda, Guid delegationId, IEnumerable<(Guid SessionId, bool Joined)> floor) =>
        floor.Where(f => agenda.Sessions.TryGetValue(f.SessionId, out var s) && s.SpeakingOrder is { Count: > 0 })
            .Select(f => f.Joined ? (object)new SpeakingOrderJoined(f.SessionId, delegationId) : new SpeakingOrderLeft(f.SessionId, delegationId))
            .ToList();

    /// <summary>Fixes the order by hand: exactly the delegations entitled to speak (a seat, and the floor asked for), each once.</summary>
    public static SpeakingOrderFixed Fix(SeatSession session, IReadOnlyList<Guid> order, IReadOnlyList<(Delegation Delegation, Member Speaker, long Asked)> entitled)
    {
        if (session.Kind != SessionKind.Ministerial)
        {
            throw ProblemException.Conflict("not_ministerial", $"'{session.Title}' is not a ministerial session: it has no tour de table.");
        }

        if (order.Distinct().Count() != order.Count)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["delegationIds"] = ["Each delegation speaks once."] });
        }

        var ids = entitled.Select(x => x.Delegation.Id).ToHashSet();
        var strangers = order.Where(id => !ids.Contains(id)).ToList();
        if (strangers.Count > 0)
        {
            throw ProblemException.Unprocessable(
                "not_entitled_to_speak", "Every delegation in the order holds a seat in the session and asked for the floor; these do not.",
                new Dictionary<string, object?> { ["delegationIds"] = strangers });
        }

        var missing = ids.Where(id => !order.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            throw ProblemException.Unprocessable(
                "speaking_order_incomplete", "These delegations asked for the floor and hold a seat: place them in the order too.",
                new Dictionary<string, object?> { ["delegationIds"] = missing });
        }

        return new SpeakingOrderFixed(session.Id, order);
    }

    public static IReadOnlyList<(Delegation Delegation, Member Speaker, long Asked)> Compute(IEnumerable<Delegation> delegations, Guid sessionId) =>
        delegations
            .Where(d => d.Status == DelegationStatus.Active)
            .Select(d => (Delegation: d, Speaker: SpeakerOf(d, sessionId), Floor: d.FloorRequests.FirstOrDefault(f => f.SessionId == sessionId)))
            .Where(x => x.Speaker is not null && x.Floor is not null)
            .OrderBy(x => x.Speaker!.IsHead && x.Speaker.IsMinisterialRank ? 0 : 1)
            .ThenBy(x => x.Speaker!.Rank)
            .ThenBy(x => x.Floor!.Sequence)
            .Select(x => (x.Delegation, x.Speaker!, x.Floor!.Sequence))
            .ToList();
}
