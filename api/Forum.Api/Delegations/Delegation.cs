using System.Text;
using System.Text.Json.Serialization;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using NodaTime;

namespace Forum.Api.Delegations;

public enum PartyKind
{
    State,
    InternationalOrganisation,
    Company,
    NonGovernmentalOrganisation,
    LawEnforcement,
}

/// <summary>Ranks in their order of precedence; the first five are of ministerial rank.</summary>
public enum Rank
{
    HeadOfStateOrGovernment,
    Minister,
    DeputyMinister,
    SecretaryOfState,
    HeadOfOrganisation,
    Ambassador,
    SeniorOfficial,
    Official,
    Expert,
    Other,
}

public enum DelegationStatus
{
    Active,
    Withdrawn,
}

public enum MemberStatus
{
    Active,
    Withdrawn,
    Replaced,
}

public enum AccreditationStatus
{
    Pending,
    Approved,
    Rejected,
}

public enum PlaceStatus
{
    None,
    Admitted,
    Waiting,
}

/// <summary>A state (by its ISO 3166-1 code, named from it) or an organisation (by its name).</summary>
public sealed record Party(PartyKind Kind, string? Code, string Name)
{
    /// <summary>What makes two registrations the same party: the state's code, or the organisation's name compared loosely.</summary>
    [JsonIgnore]
    public string Key => Kind == PartyKind.State
        ? "state:" + Code
        : "org:" + string.Join(' ', Name.Normalize(NormalizationForm.FormKC).ToUpperInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>What is sealed for a member: the personal data that erasure removes.</summary>
public sealed record PersonalDetails(string Name, string Function, string Email);

/// <summary>What is sealed for a focal point.</summary>
public sealed record ContactDetails(string Name, string Email);

public sealed record Accreditation(AccreditationStatus Status, string? Reason = null, string? DecidedBy = null, Instant? DecidedAt = null)
{
    public static Accreditation Pending { get; } = new(AccreditationStatus.Pending);
}

/// <summary>Protocol's decision on a member's declared full powers (the power to sign for the party); a later one revises it.</summary>
public sealed record FullPowersDecision(bool Confirmed, string? Reason, string DecidedBy, Instant DecidedAt);

public sealed record Member(
    Guid Id,
    Rank Rank,
    bool IsHead,
    bool HasFullPowers,
    Sealed? Person,
    MemberStatus Status,
    Accreditation Accreditation,
    PlaceStatus Place,
    long? Ticket = null,
    Guid? Replaces = null,
    Guid? ReplacedBy = null,
    bool Erased = false,
    IReadOnlyList<Seat>? Seats = null,
    FullPowersDecision? FullPowers = null)
{
    /// <summary>The sessions in which the member holds a seat or waits for one.</summary>
    [JsonIgnore]
    public IReadOnlyList<Seat> SeatList => Seats ?? [];

    public Seat? SeatIn(Guid sessionId) => SeatList.FirstOrDefault(s => s.SessionId == sessionId);

    public Member WithSeat(Seat seat) => this with { Seats = [.. SeatList.Where(s => s.SessionId != seat.SessionId), seat] };

    public Member WithoutSeat(Guid sessionId) => this with { Seats = SeatList.Where(s => s.SessionId != sessionId).ToList() };

    [JsonIgnore]
    public bool IsMinisterialRank => Rank <= Rank.HeadOfOrganisation;

    [JsonIgnore]
    public bool IsActive => Status == MemberStatus.Active;
}

/// <summary>A delegation as its stream says: the party, the focal point, the members with their accreditation and place. Number is its order of registration in the conference.</summary>
public sealed record Delegation(
    Guid Id,
    int Number,
    string ConferenceSlug,
    Party Party,
    Sealed FocalPoint,
    string AccessTokenHash,
    DelegationStatus Status,
    Instant RegisteredAt,
    IReadOnlyList<Member> Members,
    string? WithdrawalReason = null,
    IReadOnlyList<FloorRequest>? Floor = null)
{
    /// <summary>The sessions in which the delegation asked for the floor, with its place in the order of asking.</summary>
    [JsonIgnore]
    public IReadOnlyList<FloorRequest> FloorRequests => Floor ?? [];

    public static string StreamId(Guid id) => $"delegation-{id}";

    public Member? Find(Guid memberId) => Members.FirstOrDefault(m => m.Id == memberId);

    [JsonIgnore]
    public IEnumerable<Member> ActiveMembers => Members.Where(m => m.IsActive);
}

/// <summary>
/// The conference as registration decisions need it (kept by <see cref="DelegationProjection"/>, inline, from the
/// conference's stream and its delegations' streams): its lifecycle, its places, its next ticket in line, how many
/// delegations registered. Read under the conference's lock it is exact: every writer of either kind of stream
/// holds that lock and commits this document with its events.
/// </summary>
public sealed record Places(Conference Conference, int Admitted, int Waiting, long NextTicket, int Registered)
{
    [JsonIgnore]
    public int Capacity => Conference.Details.Capacity;

    public static string DocumentId(string slug) => $"places/{slug}";

    /// <summary>The places after a delegation's event (whichever delegation of the conference it is).</summary>
    public Places Evolve(object change) => change switch
    {
        DelegationRegistered => this with { Registered = Registered + 1 },
        MemberAdmitted => this with { Admitted = Admitted + 1 },
        PlaceReleased => this with { Admitted = Admitted - 1 },
        MemberWaitlisted w => this with { Waiting = Waiting + 1, NextTicket = Math.Max(NextTicket, w.Ticket + 1) },
        WaitingListLeft => this with { Waiting = Waiting - 1 },
        MemberMovedUp => this with { Admitted = Admitted + 1, Waiting = Waiting - 1 },
        _ => this,
    };
}

/// <summary>One member in the conference's waiting list; tickets order the list.</summary>
public sealed record WaitingEntry(long Ticket, Guid DelegationId, Guid MemberId)
{
    public static string Prefix(string slug) => $"waiting/{slug}/";

    public static string DocumentId(string slug, long ticket) => $"{Prefix(slug)}{ticket:D12}";
}

public sealed record NewMember(Guid Id, Rank Rank, bool IsHead, bool HasFullPowers, Sealed Person);

public abstract partial record DelegationCommand
{
    private DelegationCommand()
    {
    }

    public sealed record Register(Guid Id, Conference Conference, Places Places, Party Party, bool PartyTaken, Sealed FocalPoint, string AccessTokenHash, IReadOnlyList<NewMember> Members, Instant Now, Sealed? AccessLink = null)
        : DelegationCommand;

    public sealed record AddMember(Conference Conference, Places Places, NewMember Member) : DelegationCommand;

    public sealed record ReplaceMember(Conference Conference, Places Places, Guid MemberId, NewMember Replacement) : DelegationCommand;

    public sealed record WithdrawMember(Conference Conference, Guid MemberId) : DelegationCommand;

    public sealed record ChangeFocalPoint(Conference Conference, Sealed FocalPoint) : DelegationCommand;

    public sealed record Withdraw(string? Reason) : DelegationCommand;

    public sealed record RotateToken(string AccessTokenHash) : DelegationCommand;

    public sealed record DecideAccreditation(Places Places, Guid MemberId, AccreditationStatus Decision, string? Reason, string DecidedBy, Instant Now) : DelegationCommand;

    public sealed record ErasePersonalData(Guid MemberId, bool ByFocalPoint) : DelegationCommand;

    public sealed record DecideFullPowers(Guid MemberId, bool Confirmed, string? Reason, string DecidedBy, Instant Now) : DelegationCommand;
}

/// <summary>
/// A delegation's rules: registration only while open, one head, the quota, places in arrival order. Places freed
/// here are handed to the first waiting members by <see cref="WaitingList.MoveUp"/>, which may be of other delegations.
/// </summary>
public sealed partial class DelegationDecider : IDecider<Delegation?, DelegationCommand>
{
    public static DelegationDecider Instance { get; } = new();

    public string StreamType => "delegation";

    public Delegation? Initial => null;

    public IReadOnlyList<object> Decide(DelegationCommand command, Delegation? state)
    {
        var events = DecideCore(command, state);
        return state is null ? events : [.. events, .. FloorsLost(state, events)];
    }

    private static List<object> DecideCore(DelegationCommand command, Delegation? state)
    {
        if (command is DelegationCommand.Register register)
        {
            return Register(register);
        }

        if (state is null)
        {
            throw ProblemException.NotFound("such delegation");
        }

        return command switch
        {
            DelegationCommand.AddMember c => AddMember(c, Open(c.Conference, state)),
            DelegationCommand.ReplaceMember c => Replace(c, Open(c.Conference, state)),
            DelegationCommand.WithdrawMember c => WithdrawMember(c, Open(c.Conference, state)),
            DelegationCommand.ChangeFocalPoint c => ChangeFocalPoint(c, state),
            DelegationCommand.Withdraw c => Withdraw(c, Active(state)),
            DelegationCommand.RotateToken c => [new AccessTokenRotated(c.AccessTokenHash)],
            DelegationCommand.DecideAccreditation c => DecideAccreditation(c, Active(state)),
            DelegationCommand.ErasePersonalData c => Erase(c, state),
            DelegationCommand.DecideFullPowers c => DecideFullPowers(c, Active(state)),
            DelegationCommand.RequestSeats c => RequestSeats(c, Active(state)),
            DelegationCommand.ReleaseSeat c => ReleaseSeat(c, Active(state)),
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
    }

    private static List<object> Register(DelegationCommand.Register c)
    {
        RequireOpen(c.Conference);
        if (c.PartyTaken)
        {
            throw ProblemException.Conflict(
                "party_already_registered",
                $"{c.Party.Name} already has a delegation at this conference; its focal point can change it.",
                new Dictionary<string, object?> { ["party"] = c.Party });
        }

        RequireOneHead(c.Members.Count(m => m.IsHead));
        RequireQuota(c.Conference, c.Members.Count);
        var events = new List<object> { new DelegationRegistered(c.Id, c.Places.Registered + 1, c.Conference.Slug, c.Party, c.FocalPoint, c.AccessTokenHash, c.Now, c.AccessLink) };
        var places = c.Places;
        foreach (var member in c.Members)
        {
            events.Add(new MemberAdded(member.Id, member.Rank, member.IsHead, member.HasFullPowers, member.Person));
            events.Add(Place(ref places, member.Id));
        }

        return events;
    }

    private static List<object> AddMember(DelegationCommand.AddMember c, Delegation state)
    {
        RequireQuota(c.Conference, state.ActiveMembers.Count() + 1);
        RequireOneHead(state.ActiveMembers.Count(m => m.IsHead) + (c.Member.IsHead ? 1 : 0));
        var places = c.Places;
        var m = c.Member;
        return [new MemberAdded(m.Id, m.Rank, m.IsHead, m.HasFullPowers, m.Person), Place(ref places, m.Id)];
    }

    private static List<object> Replace(DelegationCommand.ReplaceMember c, Delegation state)
    {
        var old = ActiveMember(state, c.MemberId);
        var m = c.Replacement;
        RequireOneHead(state.ActiveMembers.Count(x => x.IsHead) - (old.IsHead ? 1 : 0) + (m.IsHead ? 1 : 0));
        const string reason = "a member was replaced";

        // The replacement takes the place, or the place in line, of the member it replaces; seats are for the person.
        var events = new List<object> { new MemberReplaced(old.Id, m.Id), new MemberAdded(m.Id, m.Rank, m.IsHead, m.HasFullPowers, m.Person, old.Id) };
        events.AddRange(ReleaseSeats(old, reason));
        switch (old.Place)
        {
            case PlaceStatus.Admitted:
                events.Add(new PlaceReleased(old.Id, reason));
                events.Add(new MemberAdmitted(m.Id));
                break;
            case PlaceStatus.Waiting:
                events.Add(new WaitingListLeft(old.Id, old.Ticket!.Value, reason));
                events.Add(new MemberWaitlisted(m.Id, old.Ticket.Value));
                break;
            default:
                var places = c.Places;
                events.Add(Place(ref places, m.Id));
                break;
        }

        return events;
    }

    private static List<object> WithdrawMember(DelegationCommand.WithdrawMember c, Delegation state)
    {
        var member = ActiveMember(state, c.MemberId);
        if (member.IsHead)
        {
            throw ProblemException.Unprocessable("exactly_one_head", "The head of delegation cannot be withdrawn: replace the head instead, or withdraw the delegation.");
        }

        return [new MemberWithdrawn(member.Id), .. Release(member, "a member withdrew")];
    }

    private static List<object> ChangeFocalPoint(DelegationCommand.ChangeFocalPoint c, Delegation state)
    {
        Open(c.Conference, state);
        return [new FocalPointChanged(c.FocalPoint)];
    }

    private static List<object> Withdraw(DelegationCommand.Withdraw c, Delegation state)
    {
        var events = new List<object> { new DelegationWithdrawn(c.Reason) };
        foreach (var member in state.ActiveMembers)
        {
            events.AddRange(Release(member, "a delegation withdrew"));
        }

        return events;
    }

    private static List<object> DecideAccreditation(DelegationCommand.DecideAccreditation c, Delegation state)
    {
        var member = ActiveMember(state, c.MemberId);
        var events = new List<object> { new AccreditationDecided(member.Id, c.Decision, c.Reason, c.DecidedBy, c.Now) };
        var wasRejected = member.Accreditation.Status == AccreditationStatus.Rejected;
        if (c.Decision == AccreditationStatus.Rejected && !wasRejected)
        {
            events.AddRange(Release(member, "a member's accreditation was rejected"));
        }
        else if (c.Decision != AccreditationStatus.Rejected && wasRejected)
        {
            // Counted again: a place if one is free, otherwise the end of the line.
            var places = c.Places;
            events.Add(Place(ref places, member.Id));
        }

        return events;
    }

    private static List<object> Erase(DelegationCommand.ErasePersonalData c, Delegation state)
    {
        var member = state.Find(c.MemberId) ?? throw ProblemException.NotFound("such member");
        if (c.ByFocalPoint && member.IsActive && state.Status == DelegationStatus.Active)
        {
            throw ProblemException.Conflict("member_not_withdrawn", "A focal point can erase the personal data of a member once the member is withdrawn; protocol can at any time.");
        }

        return member.Erased ? [] : [new MemberPersonalDataErased(member.Id)];
    }

    private static List<object> DecideFullPowers(DelegationCommand.DecideFullPowers c, Delegation state)
    {
        var member = ActiveMember(state, c.MemberId);
        if (!member.HasFullPowers)
        {
            throw ProblemException.Unprocessable(
                "full_powers_not_declared",
                "The focal point has not declared this member as holding full powers; only declared full powers are confirmed.");
        }

        return [new FullPowersDecided(member.Id, c.Confirmed, c.Reason, c.DecidedBy, c.Now)];
    }

    /// <summary>A place while the conference has room, otherwise the next ticket in line.</summary>
    private static object Place(ref Places places, Guid memberId)
    {
        if (places.Admitted < places.Capacity && places.Waiting == 0)
        {
            places = places with { Admitted = places.Admitted + 1 };
            return new MemberAdmitted(memberId);
        }

        var ticket = places.NextTicket;
        places = places with { Waiting = places.Waiting + 1, NextTicket = ticket + 1 };
        return new MemberWaitlisted(memberId, ticket);
    }

    /// <summary>A member who stops counting gives back its place (or place in line) and its seats.</summary>
    private static IEnumerable<object> Release(Member member, string reason) => ReleaseSeats(member, reason).Concat(member.Place switch
    {
        PlaceStatus.Admitted => [new PlaceReleased(member.Id, reason)],
        PlaceStatus.Waiting => [new WaitingListLeft(member.Id, member.Ticket!.Value, reason)],
        _ => [],
    });

    private static Delegation Open(Conference conference, Delegation state)
    {
        RequireOpen(conference);
        return Active(state);
    }

    private static Delegation Active(Delegation state) => state.Status == DelegationStatus.Active
        ? state
        : throw ProblemException.Conflict("delegation_withdrawn", "This delegation was withdrawn; it can no longer change.");

    private static Member ActiveMember(Delegation state, Guid memberId)
    {
        var member = state.Find(memberId) ?? throw ProblemException.NotFound("such member");
        return member.IsActive
            ? member
            : throw ProblemException.Conflict("member_not_active", $"This member was {member.Status.ToString().ToLowerInvariant()}; it can no longer change.");
    }

    private static void RequireOpen(Conference conference)
    {
        if (conference.Status != ConferenceStatus.RegistrationOpen)
        {
            throw ProblemException.Conflict(
                "registration_closed",
                $"Registration for this conference is not open (the conference is {conference.Status}).",
                new Dictionary<string, object?> { ["conferenceStatus"] = conference.Status.ToString() });
        }
    }

    private static void RequireOneHead(int heads)
    {
        if (heads != 1)
        {
            throw ProblemException.Unprocessable("exactly_one_head", $"A delegation has exactly one head of delegation; this would give it {heads}.");
        }
    }

    private static void RequireQuota(Conference conference, int members)
    {
        if (members > conference.Details.DelegationQuota)
        {
            throw ProblemException.Unprocessable(
                "quota_exceeded",
                $"A delegation to this conference has at most {conference.Details.DelegationQuota} members; this would make {members}.",
                new Dictionary<string, object?> { ["delegationQuota"] = conference.Details.DelegationQuota });
        }
    }

    public Delegation? Evolve(Delegation? state, object change) => change switch
    {
        DelegationRegistered r => new Delegation(r.DelegationId, r.Number, r.ConferenceSlug, r.Party, r.FocalPoint, r.AccessTokenHash, DelegationStatus.Active, r.RegisteredAt, []),
        MemberAdded a => state! with
        {
            Members = [.. state.Members, new Member(a.MemberId, a.Rank, a.IsHead, a.HasFullPowers, a.Person, MemberStatus.Active, Accreditation.Pending, PlaceStatus.None, Replaces: a.Replaces)],
        },
        MemberAdmitted a => Change(state!, a.MemberId, m => m with { Place = PlaceStatus.Admitted, Ticket = null }),
        MemberWaitlisted w => Change(state!, w.MemberId, m => m with { Place = PlaceStatus.Waiting, Ticket = w.Ticket }),
        MemberMovedUp u => Change(state!, u.MemberId, m => m with { Place = PlaceStatus.Admitted, Ticket = null }),
        PlaceReleased r => Change(state!, r.MemberId, m => m with { Place = PlaceStatus.None }),
        WaitingListLeft l => Change(state!, l.MemberId, m => m with { Place = PlaceStatus.None, Ticket = null }),
        MemberReplaced r => Change(state!, r.MemberId, m => m with { Status = MemberStatus.Replaced, ReplacedBy = r.ReplacementId }),
        MemberWithdrawn w => Change(state!, w.MemberId, m => m with { Status = MemberStatus.Withdrawn }),
        AccreditationDecided d => Change(state!, d.MemberId, m => m with { Accreditation = new Accreditation(d.Decision, d.Reason, d.DecidedBy, d.DecidedAt) }),
        FullPowersDecided d => Change(state!, d.MemberId, m => m with { FullPowers = new FullPowersDecision(d.Confirmed, d.Reason, d.DecidedBy, d.DecidedAt) }),
        FocalPointChanged f => state! with { FocalPoint = f.FocalPoint },
        DelegationWithdrawn w => state! with
        {
            Status = DelegationStatus.Withdrawn,
            WithdrawalReason = w.Reason,
            Members = state.Members.Select(m => m.IsActive ? m with { Status = MemberStatus.Withdrawn } : m).ToList(),
        },
        AccessTokenRotated t => state! with { AccessTokenHash = t.AccessTokenHash },
        MemberPersonalDataErased e => Change(state!, e.MemberId, m => m with { Person = null, Erased = true }),
        SeatTaken t => Change(state!, t.MemberId, m => m.WithSeat(new Seat(t.SessionId, SeatStatus.Held))),
        SeatWaitlisted w => Change(state!, w.MemberId, m => m.WithSeat(new Seat(w.SessionId, SeatStatus.Waiting, w.Ticket))),
        SeatMovedUp u => Change(state!, u.MemberId, m => m.WithSeat(new Seat(u.SessionId, SeatStatus.Held))),
        SeatReleased r => Change(state!, r.MemberId, m => m.WithoutSeat(r.SessionId)),
        SeatWaitingLeft l => Change(state!, l.MemberId, m => m.WithoutSeat(l.SessionId)),
        FloorRequested f => state! with { Floor = [.. state.FloorRequests, new FloorRequest(f.SessionId, f.Sequence)] },
        FloorWithdrawn f => state! with { Floor = state.FloorRequests.Where(x => x.SessionId != f.SessionId).ToList() },
        _ => state,
    };

    private static Delegation Change(Delegation state, Guid memberId, Func<Member, Member> change) =>
        state with { Members = state.Members.Select(m => m.Id == memberId ? change(m) : m).ToList() };
}

/// <summary>Hands freed places to the first members in line, in ticket order, whatever their delegation.</summary>
public static class WaitingList
{
    /// <param name="head">The first entries of the conference's list, in order (more than <paramref name="freed"/> when some are leaving).</param>
    /// <param name="leaving">Members who leave the list in the same decision: they are passed over.</param>
    /// <param name="reason">Why the place freed, naming no party or person: other delegations read it in their history.</param>
    public static IReadOnlyList<(Guid DelegationId, MemberMovedUp Event)> MoveUp(IReadOnlyList<WaitingEntry> head, int freed, IReadOnlySet<Guid> leaving, string reason) =>
        freed <= 0
            ? []
            : head.Where(w => !leaving.Contains(w.MemberId)).Take(freed)
                .Select(w => (w.DelegationId, new MemberMovedUp(w.MemberId, w.Ticket, $"A place was freed: {reason}.")))
                .ToList();
}
