using Forum.Web.Api;
using Forum.Web.Localisation;
using NodaTime;
using NodaTime.Text;

namespace Forum.Web.Area;

/// <summary>A year the party reports on: its deadline, and the report as it stands when one is in.</summary>
public sealed record ReportYear(int Year, Instant Deadline, ReportView? Report)
{
    public bool Open(Instant now) => now < Deadline;
}

/// <summary>
/// A declaration as the focal point's area shows it: the text's state, the party's row in the public register (its
/// signature, accession or withdrawal), and, for a party bound by it, each year's report.
/// </summary>
public sealed record AreaDeclaration(Declaration Declaration, RegisterRow? Row, IReadOnlyList<ReportYear> Years)
{
    /// <summary>The party's signature or accession in force, when it is bound.</summary>
    public Act? InForce => Row is null || Row.Status == "Withdrawn" ? null : Row.Accession ?? Row.Signature;

    public bool OpenForSignature(Instant now) =>
        Declaration.Status == "OpenForSignature" && (Declaration.Signing is null || InstantPattern.ExtendedIso.Parse(Declaration.Signing.OpensAt).Value <= now);
}

/// <summary>
/// Reads, over the public contract, the declarations a delegation acts on: those of its conference, or of every
/// edition of its series (a party reports at each year's forum on a declaration adopted at an earlier one).
/// </summary>
public static class AreaDeclarations
{
    public static async Task<IReadOnlyList<AreaDeclaration>> LoadAsync(ForumApi api, string token, DelegationDetails delegation, Conference? conference, CancellationToken ct)
    {
        IReadOnlyList<Guid> ids = conference?.SeriesSlug is { } series && await api.SeriesAsync(series, ct) is { Declarations: { } ofSeries }
            ? ofSeries.Where(d => d.Status != "Draft").Select(d => d.Id).ToList()
            : (await api.DeclarationsAsync(delegation.ConferenceSlug, ct)).Where(d => d.Status != "Draft").Select(d => d.Id).ToList();
        var found = new List<AreaDeclaration>();
        foreach (var id in ids)
        {
            if (await LoadOneAsync(api, token, delegation, conference, id, ct) is { } one)
            {
                found.Add(one);
            }
        }

        return found;
    }

    /// <summary>
    /// One declaration the delegation may act on: public, and of its conference or of another edition of its series;
    /// null otherwise, so that the area's pages answer 404 for any other.
    /// </summary>
    public static async Task<AreaDeclaration?> LoadOneAsync(ForumApi api, string token, DelegationDetails delegation, Conference? conference, Guid id, CancellationToken ct)
    {
        var declaration = await api.DeclarationAsync(id, ct);
        var ours = declaration is not null && (declaration.ConferenceSlug == delegation.ConferenceSlug
            || declaration.SeriesSlug is not null && declaration.SeriesSlug == conference?.SeriesSlug);
        if (!ours || declaration!.Status == "Draft")
        {
            return null;
        }

        var register = await api.SignatoriesAsync(id, ct);
        var row = register?.Groups.SelectMany(g => g.Rows).FirstOrDefault(r => SameParty(r.Party, delegation.Party));
        var years = new List<ReportYear>();
        if (row is not null && await api.ProgressAsync(id, ct) is { } progress)
        {
            // Years from the adoption to the current one, as the API counts them, from the year the party first signed
            // or acceded (it reports for no year before); latest first, as a party reports on it.
            var since = Dates.ParseDate(row.Acts[0].Date).Year;
            foreach (var year in progress.Years.Where(y => y.Year >= since).OrderByDescending(y => y.Year))
            {
                var report = await api.ReportOfAsync(token, id, delegation.Id, year.Year, ct);
                years.Add(new ReportYear(year.Year, InstantPattern.ExtendedIso.Parse(year.Deadline).Value, report.Value));
            }
        }

        return new AreaDeclaration(declaration, row, years);
    }

    /// <summary>The register names a party as the delegation does: a state by its code, an organisation by its name (compared loosely, as the API does).</summary>
    public static bool SameParty(PartyRef row, Party party) =>
        row.Kind == party.Kind && (party.Kind == "State"
            ? string.Equals(row.Code, party.Code, StringComparison.Ordinal)
            : string.Equals(Loose(row.Name), Loose(party.Name), StringComparison.Ordinal));

    private static string Loose(string name) =>
        string.Join(' ', name.Normalize(System.Text.NormalizationForm.FormKC).ToUpperInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
