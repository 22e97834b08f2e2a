using System.Security.Cryptography;
using System.Text;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using NodaTime;

namespace Forum.Api.Declarations;

public enum ProgressStatus
{
    NotStarted,
    InProgress,
    Achieved,
}

/// <summary>Where a party stands on one commitment in a year: a status, the indicator's value when the commitment has one, a narrative.</summary>
public sealed record CommitmentProgress(int Number, ProgressStatus Status, decimal? IndicatorValue, string Narrative);

/// <summary>A party's report for a year, as its stream says (a revision replaces the previous one).</summary>
public sealed record ProgressReport(Guid DeclarationId, Party Party, Guid DelegationId, int Year, int Revision, IReadOnlyList<CommitmentProgress> Commitments, Instant ReportedAt)
{
    /// <summary>One stream per declaration, year and party: a party's revisions of a year, folded alone.</summary>
    public static string StreamId(Guid declarationId, int year, Party party) => $"progress-{declarationId}-{year}-{PartyId(party)}";

    /// <summary>A party's key as an identifier: the key may hold any letter, the hash only hex digits.</summary>
    public static string PartyId(Party party) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(party.Key)))[..24];
}

public sealed record ReportProgress(Declaration Declaration, Party Party, Guid DelegationId, int Year, IReadOnlyList<CommitmentProgress> Commitments, Instant Now);

/// <summary>
/// A year's report: only from a party bound by the declaration that year and still bound, for a year from the
/// adoption to the current one, and only until that year's deadline (then it is frozen).
/// </summary>
public sealed class ProgressReportDecider : IDecider<ProgressReport?, ReportProgress>
{
    public static ProgressReportDecider Instance { get; } = new();

    public string StreamType => "progress-report";

    public ProgressReport? Initial => null;

    public IReadOnlyList<object> Decide(ReportProgress c, ProgressReport? state)
    {
        var declaration = c.Declaration;
        if (!declaration.IsAdopted)
        {
            throw ProblemException.Conflict("not_adopted", "This declaration is still a draft: progress is reported on an adopted declaration.");
        }

        var currentYear = c.Now.InZone(declaration.Zone).Year;
        var adoptionYear = declaration.AdoptedAt!.Value.InZone(declaration.Zone).Year;
        if (c.Year < adoptionYear || c.Year > currentYear)
        {
            throw ProblemException.Unprocessable(
                "year_out_of_range",
                $"Progress is reported for a year from the adoption ({adoptionYear}) to the current one ({currentYear}).",
                new Dictionary<string, object?> { ["firstYear"] = adoptionYear, ["lastYear"] = currentYear });
        }

        var signatory = declaration.Signatories.GetValueOrDefault(c.Party.Key);
        if (signatory is not { IsBound: true } || !signatory.IsBoundOn(new LocalDate(c.Year, 12, 31)))
        {
            throw ProblemException.Unprocessable(
                "not_a_signatory",
                signatory is { IsBound: false }
                    ? $"{c.Party.Name} withdrew its signature; a party that withdrew no longer reports."
                    : $"{c.Party.Name} was not a signatory of this declaration in {c.Year}.");
        }

        var deadline = declaration.ReportingDeadline(c.Year);
        if (c.Now >= deadline)
        {
            throw ProblemException.Conflict(
                "reporting_closed",
                $"Reports for {c.Year} could be given and revised until {deadline.InZone(declaration.Zone).Date.PlusDays(-1):yyyy-MM-dd}; they are now frozen.",
                new Dictionary<string, object?> { ["deadline"] = deadline.ToString() });
        }

        return [new ProgressReported(declaration.Id, c.Party, c.DelegationId, c.Year, (state?.Revision ?? 0) + 1, c.Commitments, c.Now)];
    }

    public ProgressReport? Evolve(ProgressReport? state, object change) => change is ProgressReported r
        ? new ProgressReport(r.DeclarationId, r.Party, r.DelegationId, r.Year, r.Revision, r.Commitments, r.ReportedAt)
        : state;
}

/// <summary>What the aggregate of a year needs of a report: the statuses and values, not the narratives.</summary>
public sealed record ReportFigures(Party Party, IReadOnlyList<ProgressStatus> Statuses, IReadOnlyList<decimal?> Values);

public sealed record StatusCounts(int NotStarted, int InProgress, int Achieved);

public sealed record CommitmentAggregate(
    int Number,
    string Text,
    int Reported,
    int Signatories,
    StatusCounts Statuses,
    Indicator? Indicator,
    decimal? YearlyTarget,
    int IndicatorValues,
    decimal? MedianIndicatorValue,
    decimal? ShareMeetingTarget);

public sealed record PartyRef(PartyKind Kind, string? Code, string Name)
{
    public static PartyRef Of(Party party) => new(party.Kind, party.Code, party.Name);
}

/// <summary>
/// A year's progress: how many of the year's signatories reported, per commitment the count per status, the median
/// indicator value and the share of values meeting the yearly target. Reporters and NotReported are for organisers.
/// </summary>
public sealed record ProgressYearView(
    Guid DeclarationId,
    int Year,
    Instant Deadline,
    int Signatories,
    int Reported,
    IReadOnlyList<CommitmentAggregate> Commitments,
    IReadOnlyList<PartyRef>? Reporters = null,
    IReadOnlyList<PartyRef>? NotReported = null);

public static class ProgressAggregate
{
    /// <summary>
    /// The signatories of a year are the parties bound at its end (signed or acceded on or before 31 December, and not
    /// withdrawn since); only their reports count. Medians of an even count are the mean of the two middle values; a
    /// value meets the target when it is at least the target.
    /// </summary>
    public static ProgressYearView Compute(Declaration declaration, int year, IReadOnlyCollection<ReportFigures> reports)
    {
        var endOfYear = new LocalDate(year, 12, 31);
        var expected = declaration.Signatories.Values.Where(s => s.IsBoundOn(endOfYear)).Select(s => s.Party).ToList();
        var keys = expected.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var counted = reports.Where(r => keys.Contains(r.Party.Key)).ToList();
        var reportedKeys = counted.Select(r => r.Party.Key).ToHashSet(StringComparer.Ordinal);
        var commitments = declaration.Text.Commitments.Select((c, i) =>
        {
            var statuses = counted.Select(r => r.Statuses[i]).ToList();
            var values = counted.Select(r => r.Values[i]).OfType<decimal>().Order().ToList();
            return new CommitmentAggregate(
                c.Number, c.Text, counted.Count, expected.Count,
                new StatusCounts(statuses.Count(s => s == ProgressStatus.NotStarted), statuses.Count(s => s == ProgressStatus.InProgress), statuses.Count(s => s == ProgressStatus.Achieved)),
                c.Indicator, c.YearlyTarget, values.Count, Median(values),
                c.YearlyTarget is { } target && values.Count > 0 ? Math.Round((decimal)values.Count(v => v >= target) / values.Count, 4) : null);
        }).ToList();
        return new ProgressYearView(
            declaration.Id, year, declaration.ReportingDeadline(year), expected.Count, counted.Count, commitments,
            ProtocolOrder(expected.Where(p => reportedKeys.Contains(p.Key))),
            ProtocolOrder(expected.Where(p => !reportedKeys.Contains(p.Key))));
    }

    public static decimal? Median(IReadOnlyList<decimal> sorted) => sorted.Count switch
    {
        0 => null,
        var n when n % 2 == 1 => sorted[n / 2],
        var n => (sorted[(n / 2) - 1] + sorted[n / 2]) / 2,
    };

    private static List<PartyRef> ProtocolOrder(IEnumerable<Party> parties) => Venues.ProtocolOrder.ByParty(parties, p => p).Select(PartyRef.Of).ToList();
}
