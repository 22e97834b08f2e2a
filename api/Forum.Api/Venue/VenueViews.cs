using System.Globalization;
using System.Text;
using Forum.Api.Delegations;
using NodaTime;

namespace Forum.Api.Venues;

/// <summary>
/// A scan. Admitted: the scanner decided offline that the badge was valid and the officer let its holder in; such a scan
/// of a member already checked in (by another scan) is kept and flagged rather than ignored. It needs a scan id.
/// Reason: the member was checked in by hand (found in the roster, no badge at hand), and why; it is recorded with the check-in.
/// </summary>
public sealed record ScanRequest(string? Code, string? ScanId, Instant? ScannedAt, string? Gate, bool? Admitted = null, string? Reason = null);

public sealed record ScanBatchRequest(IReadOnlyList<ScanRequest?>? Scans);

/// <summary>A badge as JSON (Accept: application/json): the signed code its QR code holds, and what it shows.</summary>
public sealed record BadgeView(
    Guid DelegationId,
    Guid MemberId,
    string ConferenceSlug,
    string ConferenceTitle,
    Party Party,
    string Name,
    string Function,
    Rank Rank,
    bool IsHead,
    int Serial,
    string Code,
    string KeyId);

/// <summary>
/// The answer to a scan. CheckedInAt is the scan time of the check-in that counted (the scanner's clock), RecordedAt
/// when it reached the server; for AlreadyCheckedIn both are the earlier check-in's, with its gate.
/// </summary>
public sealed record CheckInView(
    CheckInResult Result,
    Guid MemberId,
    Guid DelegationId,
    Party Party,
    string? Name,
    Rank Rank,
    bool IsHead,
    Instant CheckedInAt,
    Instant RecordedAt,
    string? Gate,
    string? ScanId);

/// <summary>One scan of a batch: 200 with the check-in, or the problem's status, code and detail.</summary>
public sealed record ScanOutcome(int Index, string? ScanId, int Status, CheckInView? CheckIn = null, string? Code = null, string? Detail = null);

public sealed record ScanBatchView(int Scans, int CheckedIn, int AlreadyCheckedIn, int Refused, IReadOnlyList<ScanOutcome> Results);

public sealed record KindCount(PartyKind Kind, int Participants, int CheckedIn);

public sealed record DayCount(LocalDate Day, int CheckedIn);

/// <summary>Participants checked in, over all, by kind of party and by day of their scan in the conference's time zone.</summary>
public sealed record CheckInSummary(
    string ConferenceSlug,
    string TimeZone,
    int Participants,
    int CheckedIn,
    IReadOnlyList<KindCount> ByPartyKind,
    IReadOnlyList<DayCount> ByDay,
    IReadOnlyList<GateCount> ByGate,
    IReadOnlyList<AdmittedAgain> NeedsALook);

/// <summary>Participants checked in at a gate (by the scan that counted); Gate is null for scans that named none.</summary>
public sealed record GateCount(string? Gate, int CheckedIn);

/// <summary>
/// A member admitted again by a scan after the check-in that counted (two gates let one badge in, offline): this scan's
/// id, time and gate beside the first check-in's. Name is null once the member is erased.
/// </summary>
public sealed record AdmittedAgain(
    Guid MemberId, Guid DelegationId, string Party, PartyKind PartyKind, string? Name, string ScanId, Instant ScannedAt, string? Gate, Instant? FirstScannedAt, string? FirstGate);

/// <summary>One line of the list of participants; an erased member's name and function are not known any more.</summary>
public sealed record ParticipantRow(
    Guid DelegationId,
    Guid MemberId,
    string Party,
    PartyKind Kind,
    string? Name,
    string? Function,
    Rank Rank,
    bool IsHead,
    bool Erased,
    Instant? CheckedInAt,
    string? Gate,
    string? Email = null)
{
    public const string ErasedText = "(erased)";

    public string Role => IsHead ? "head" : "member";

    public bool CheckedIn => CheckedInAt is not null;
}

/// <summary>Protocol order: states by English short name, then international organisations, then the other kinds, each by name; in a delegation the head, then by rank.</summary>
public static class ProtocolOrder
{
    public static int KindOrder(PartyKind kind) => kind switch
    {
        PartyKind.State => 0,
        PartyKind.InternationalOrganisation => 1,
        _ => 2 + (int)kind,
    };

    // The base letter of each of U+00C0..U+024F (Latin-1 Supplement, Latin Extended-A and -B), for sorting: the API runs
    // with invariant globalization, where string.Normalize does not decompose accented letters.
    private const int FoldStart = 0xC0;
    private const string LatinFolds =
        "AAAAAAACEEEEIIIIDNOOOOO\u00D7OUUUUYTsaaaaaaaceeeeiiiidnooooo\u00F7ouuuuyty" +
        "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi\u0132\u0133JjKkkLlLlLlL" +
        "lLlNnNnNn\u0149NnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz\u017F" +
        "\u0180\u0181\u0182\u0183\u0184\u0185\u0186\u0187\u0188\u0189\u018A\u018B\u018C\u018D\u018E\u018F\u0190\u0191\u0192\u0193\u0194\u0195\u0196\u0197\u0198\u0199\u019A\u019B\u019C\u019D\u019E\u019FOo\u01A2\u01A3\u01A4\u01A5\u01A6\u01A7\u01A8\u01A9\u01AA\u01AB\u01AC\u01AD\u01AEUu\u01B1\u01B2\u01B3\u01B4\u01B5\u01B6\u01B7\u01B8\u01B9\u01BA\u01BB\u01BC\u01BD\u01BE\u01BF" +
        "\u01C0\u01C1\u01C2\u01C3\u01C4\u01C5\u01C6\u01C7\u01C8\u01C9\u01CA\u01CB\u01CCAaIiOoUuUuUuUuUu\u01DDAaAa\u01E2\u01E3\u01E4\u01E5GgKkOoOo\u01EE\u01EFj\u01F1\u01F2\u01F3Gg\u01F6\u01F7NnAa\u01FC\u01FD\u01FE\u01FF" +
        "AaAaEeEeIiIiOoOoRrRrUuUuSsTt\u021C\u021DHh\u0220\u0221\u0222\u0223\u0224\u0225AaEeOoOoOoOoYy\u0234\u0235\u0236\u0237\u0238\u0239\u023A\u023B\u023C\u023D\u023E\u023F" +
        "\u0240\u0241\u0242\u0243\u0244\u0245\u0246\u0247\u0248\u0249\u024A\u024B\u024C\u024D\u024E\u024F";

    /// <summary>Names compared as a reader would: accents and case set aside first (Côte d'Ivoire before Croatia), then exactly.</summary>
    public static string SortKey(string name)
    {
        var folded = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var letter = c >= FoldStart && c < FoldStart + LatinFolds.Length ? LatinFolds[c - FoldStart] : c;
            if (CharUnicodeInfo.GetUnicodeCategory(letter) != UnicodeCategory.NonSpacingMark)
            {
                folded.Append(char.ToUpperInvariant(letter));
            }
        }

        return folded.ToString();
    }

    /// <summary>Parties in protocol order: by kind (states first), then by name as a reader compares it.</summary>
    public static IEnumerable<T> ByParty<T>(IEnumerable<T> items, Func<T, Party> party) => items
        .OrderBy(i => KindOrder(party(i).Kind))
        .ThenBy(i => SortKey(party(i).Name), StringComparer.Ordinal)
        .ThenBy(i => party(i).Name, StringComparer.Ordinal);

    public static IReadOnlyList<ParticipantRow> Sort(IEnumerable<ParticipantRow> rows) => rows
        .OrderBy(r => KindOrder(r.Kind))
        .ThenBy(r => SortKey(r.Party), StringComparer.Ordinal)
        .ThenBy(r => r.Party, StringComparer.Ordinal)
        .ThenBy(r => r.DelegationId)
        .ThenBy(r => r.IsHead ? 0 : 1)
        .ThenBy(r => r.Rank)
        .ToList();

    /// <summary>"HeadOfStateOrGovernment" → "Head of state or government".</summary>
    public static string Words(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 8);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
