using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using NodaTime;

namespace Forum.Api.Venues;

/// <summary>A member's badge as its stream says: the serial its valid codes carry (older serials are revoked).</summary>
public sealed record Badge(Guid MemberId, Guid DelegationId, string ConferenceSlug, int Serial)
{
    public static string StreamId(Guid memberId) => $"badge-{memberId}";
}

public abstract record BadgeCommand(Guid MemberId, Guid DelegationId, string ConferenceSlug)
{
    /// <summary>The first badge of a member (nothing to do when it has one).</summary>
    public sealed record Issue(Guid MemberId, Guid DelegationId, string ConferenceSlug) : BadgeCommand(MemberId, DelegationId, ConferenceSlug);

    /// <summary>A new serial: the codes printed so far stop working.</summary>
    public sealed record Reissue(Guid MemberId, Guid DelegationId, string ConferenceSlug) : BadgeCommand(MemberId, DelegationId, ConferenceSlug);
}

public sealed class BadgeDecider : IDecider<Badge?, BadgeCommand>
{
    public static BadgeDecider Instance { get; } = new();

    public string StreamType => "badge";

    public Badge? Initial => null;

    public IReadOnlyList<object> Decide(BadgeCommand command, Badge? state) => (command, state) switch
    {
        (_, null) => [new BadgeIssued(command.MemberId, command.DelegationId, command.ConferenceSlug, 1)],
        (BadgeCommand.Issue, not null) => [],
        (BadgeCommand.Reissue, not null) => [new BadgeReissued(command.MemberId, command.DelegationId, command.ConferenceSlug, state.Serial + 1)],
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    public Badge? Evolve(Badge? state, object change) => change switch
    {
        BadgeIssued i => new Badge(i.MemberId, i.DelegationId, i.ConferenceSlug, i.Serial),
        BadgeReissued r => state! with { Serial = r.Serial },
        _ => state,
    };
}

/// <summary>Who is a participant of a conference, and so may hold a badge and be checked in.</summary>
public static class Participation
{
    /// <summary>A member who is active, accredited and holds one of the conference's places, in a delegation that did not withdraw.</summary>
    public static bool IsParticipant(DelegationStatus delegation, MemberStatus member, AccreditationStatus accreditation, PlaceStatus place) =>
        delegation == DelegationStatus.Active && member == MemberStatus.Active && accreditation == AccreditationStatus.Approved && place == PlaceStatus.Admitted;

    public static bool IsParticipant(Delegation delegation, Member member) =>
        IsParticipant(delegation.Status, member.Status, member.Accreditation.Status, member.Place);

    /// <summary>A badge is printed for participants only, and never for an erased member (it would carry no name).</summary>
    public static void RequireBadgeHolder(DelegationView delegation, MemberView member)
    {
        if (member.Erased)
        {
            throw ProblemException.Conflict("member_erased", "This member's personal data was erased: no badge can be printed for it.");
        }

        if (!IsParticipant(delegation.Status, member.Status, member.Accreditation.Status, member.Place.Status))
        {
            var why = member.Status != MemberStatus.Active || delegation.Status != DelegationStatus.Active
                ? $"the member is {(delegation.Status == DelegationStatus.Withdrawn ? "in a withdrawn delegation" : member.Status.ToString().ToLowerInvariant())}"
                : member.Accreditation.Status != AccreditationStatus.Approved
                    ? $"the member's accreditation is {member.Accreditation.Status.ToString().ToLowerInvariant()}"
                    : "the member holds no place at the conference (it is on the waiting list or has none)";
            throw ProblemException.Conflict(
                "not_accredited",
                $"Badges are for accredited members who hold a place; {why}.",
                new Dictionary<string, object?> { ["accreditation"] = member.Accreditation.Status.ToString(), ["place"] = member.Place.Status.ToString(), ["memberStatus"] = member.Status.ToString() });
        }
    }

    /// <summary>
    /// Whether a verified badge still admits its member: the current serial, a member who is still a participant and
    /// not erased. <paramref name="currentSerial"/> is null when no badge was issued to that member.
    /// </summary>
    public static Member Admit(BadgeClaim claim, int? currentSerial, Delegation? delegation)
    {
        var member = delegation?.Find(claim.MemberId);
        if (member is null || currentSerial is null || claim.Serial > currentSerial)
        {
            // Signed by the conference's key, yet naming a badge that was never issued: treated as forged.
            throw BadgeCodes.Invalid();
        }

        if (claim.Serial < currentSerial)
        {
            throw ProblemException.Conflict(
                "badge_revoked",
                $"This badge (serial {claim.Serial}) was replaced by a newer one (serial {currentSerial}); it no longer admits its holder.",
                new Dictionary<string, object?> { ["serial"] = claim.Serial, ["currentSerial"] = currentSerial });
        }

        if (member.Erased)
        {
            throw ProblemException.Conflict("member_erased", "The personal data of this badge's holder was erased; the badge no longer admits anyone.");
        }

        if (!IsParticipant(delegation!, member))
        {
            var why = delegation!.Status == DelegationStatus.Withdrawn ? "its delegation withdrew"
                : member.Status != MemberStatus.Active ? $"the member was {member.Status.ToString().ToLowerInvariant()}"
                : member.Accreditation.Status == AccreditationStatus.Rejected ? "the member's accreditation was rejected"
                : "the member no longer holds a place";
            throw ProblemException.Conflict("member_not_participant", $"This badge's holder is no longer a participant: {why}.");
        }

        return member;
    }
}

/// <summary>What a badge code says, once its signature is verified.</summary>
public sealed record BadgeClaim(string ConferenceSlug, Guid DelegationId, Guid MemberId, int Serial);

/// <summary>
/// The signed badge code held by the QR code: base64url(payload) "." base64url(signature). The payload is binary:
/// a version byte (1), the delegation id and the member id (16 bytes each, RFC 4122 byte order), the serial (uint32,
/// big-endian) and the conference slug (UTF-8, the rest). The signature is ECDSA P-256 with SHA-256 over the payload
/// bytes, as the 64-byte IEEE P1363 r‖s: what a JWK-based verifier (ES256) checks.
/// </summary>
public static class BadgeCodes
{
    public const byte FormatVersion = 1;
    public const int SignatureLength = 64;
    private const int FixedLength = 1 + 16 + 16 + 4;
    private const int MaxLength = 400;
    private static readonly SearchValues<char> Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static ProblemException Invalid() =>
        new(StatusCodes.Status422UnprocessableEntity, "badge_invalid", "The request cannot be carried out", "This is not a valid badge code: it was altered, forged or misread.");

    public static byte[] Payload(BadgeClaim claim)
    {
        var slug = Encoding.UTF8.GetBytes(claim.ConferenceSlug);
        var payload = new byte[FixedLength + slug.Length];
        payload[0] = FormatVersion;
        claim.DelegationId.TryWriteBytes(payload.AsSpan(1, 16), bigEndian: true, out _);
        claim.MemberId.TryWriteBytes(payload.AsSpan(17, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(33, 4), (uint)claim.Serial);
        slug.CopyTo(payload, FixedLength);
        return payload;
    }

    public static string Format(byte[] payload, byte[] signature) => Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(signature);

    /// <summary>
    /// Splits and decodes a code without checking its signature. Only the canonical base64url spelling is accepted, so
    /// that a changed character can never decode to the same bytes.
    /// </summary>
    public static bool TryParse(string? code, out BadgeClaim claim, out byte[] payload, out byte[] signature)
    {
        claim = null!;
        payload = [];
        signature = [];
        if (string.IsNullOrEmpty(code) || code.Length > MaxLength)
        {
            return false;
        }

        var dot = code.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot != code.LastIndexOf('.') || !TryDecode(code.AsSpan(0, dot), out payload) || !TryDecode(code.AsSpan(dot + 1), out signature))
        {
            return false;
        }

        if (signature.Length != SignatureLength || payload.Length <= FixedLength || payload[0] != FormatVersion)
        {
            return false;
        }

        string slug;
        try
        {
            slug = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload, FixedLength, payload.Length - FixedLength);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var serial = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(33, 4));
        if (serial is 0 or > int.MaxValue)
        {
            return false;
        }

        claim = new BadgeClaim(slug, new Guid(payload.AsSpan(1, 16), bigEndian: true), new Guid(payload.AsSpan(17, 16), bigEndian: true), (int)serial);
        return true;
    }

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || text.ContainsAnyExcept(Alphabet))
        {
            return false;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        int written;
        try
        {
            if (!Base64Url.TryDecodeFromChars(text, buffer, out written))
            {
                return false;
            }
        }
        catch (FormatException)
        {
            // A length no encoding has, or trailing bits that are not zero.
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return text.SequenceEqual(Base64Url.EncodeToString(bytes));
    }
}

public enum CheckInResult
{
    /// <summary>This scan checked the member in (or is a resend of the scan that did).</summary>
    CheckedIn,

    /// <summary>The member was checked in earlier, by another scan.</summary>
    AlreadyCheckedIn,
}

/// <summary>A member's check-in stream: its first check-in, if any, and the scan ids of the scans that admitted the member again.</summary>
public sealed record CheckInState(MemberCheckedIn? First, IReadOnlySet<string> AdmittedAgain)
{
    public static CheckInState None { get; } = new(null, new HashSet<string>(StringComparer.Ordinal));

    public static string StreamId(Guid memberId) => $"checkin-{memberId}";
}

/// <summary>A scan to decide. Admitted: the scanner let the holder in on its own (offline), so a later scan is a second admission, kept.</summary>
public sealed record CheckIn(BadgeClaim Claim, PartyKind PartyKind, string? ScanId, Instant ScannedAt, string? Gate, bool Admitted = false, string? Reason = null);

/// <summary>
/// A member is checked in once; later scans change nothing and are answered with the first one, except a later scan a
/// scanner says it admitted (two gates let one badge in before either synced): that is recorded once per scan id, for a look.
/// </summary>
public sealed class CheckInDecider : IDecider<CheckInState, CheckIn>
{
    public static CheckInDecider Instance { get; } = new();

    public string StreamType => "checkin";

    public CheckInState Initial => CheckInState.None;

    public IReadOnlyList<object> Decide(CheckIn command, CheckInState state)
    {
        var claim = command.Claim;
        if (state.First is null)
        {
            return [new MemberCheckedIn(claim.MemberId, claim.DelegationId, claim.ConferenceSlug, command.PartyKind, claim.Serial, command.ScanId, command.ScannedAt, command.Gate, command.Reason)];
        }

        return command is { Admitted: true, ScanId: { } scanId } && scanId != state.First.ScanId && !state.AdmittedAgain.Contains(scanId)
            ? [new MemberAdmittedAgain(claim.MemberId, claim.DelegationId, claim.ConferenceSlug, command.PartyKind, claim.Serial, scanId, command.ScannedAt, command.Gate, command.Reason)]
            : [];
    }

    public CheckInState Evolve(CheckInState state, object change) => change switch
    {
        MemberCheckedIn c when state.First is null => state with { First = c },
        MemberAdmittedAgain a => state with { AdmittedAgain = new HashSet<string>(state.AdmittedAgain, StringComparer.Ordinal) { a.ScanId } },
        _ => state,
    };

    /// <summary>How a scan is answered once the member is checked in: a resent scan (the first's scan id) as the first time.</summary>
    public static CheckInResult Outcome(string? firstScanId, string? scanId) =>
        scanId is not null && firstScanId == scanId ? CheckInResult.CheckedIn : CheckInResult.AlreadyCheckedIn;
}
