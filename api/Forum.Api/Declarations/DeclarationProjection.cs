using System.Text.Json;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;

namespace Forum.Api.Declarations;

/// <summary>A declaration as stored for reads and for report decisions, with the years that have reports.</summary>
public sealed record DeclarationDocument(Declaration State, long Version, IReadOnlyList<int> ReportYears)
{
    public static string DocumentId(Guid id) => $"declaration/{id}";
}

/// <summary>A declaration in its conference's list (and its series' page).</summary>
public sealed record DeclarationEntry(Guid Id, string ConferenceSlug, string Title, DeclarationStatus Status, string? TextHash, Instant? AdoptedAt, int Signatories)
{
    public static string Prefix(string slug) => $"conference/{slug}/";

    public static string DocumentId(string slug, Guid id) => $"{Prefix(slug)}{id}";
}

/// <summary>A party's report as the party and organisers read it back (narratives included).</summary>
public sealed record ReportDocument(ProgressReport Report, long Version)
{
    public static string DocumentId(Guid declarationId, int year, Party party) => $"report/{declarationId}/{year}/{ProgressReport.PartyId(party)}";
}

/// <summary>The figures of every report of a year, by party key: what the year's aggregate is computed from.</summary>
public sealed record YearFigures(Dictionary<string, ReportFigures> Reports)
{
    public static string DocumentId(Guid declarationId, int year) => $"figures/{declarationId}/{year}";
}

/// <summary>
/// A public answer rendered once per change, so that reads serve bytes. Each rendering has a small head holding
/// its stamp (the global position of the last event that changed it): a reader checks the head and serves the
/// bytes it already holds for that stamp, or loads the rendering once.
/// </summary>
public sealed record Rendered(long Stamp, string Body);

public sealed record RenderedHead(long Stamp);

public static class Renderings
{
    public static string Register(Guid id) => $"register/{id}";

    public static string Progress(Guid id, int year, bool organiser) => $"progress/{id}/{year}/{(organiser ? "organiser" : "public")}";

    public static string HeadId(string key) => $"head/{key}";

    public static string BodyId(string key) => $"rendered/{key}";
}

/// <summary>
/// Inline: declarations, their registers and each year's progress, rendered as they change, so that the public
/// reads (the register, the aggregates) are one small read and bytes.
/// </summary>
public sealed class DeclarationProjection : IProjection
{
    public const string ProjectionName = "declarations";

    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();

    public string Name => ProjectionName;

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
    {
        // Rendered once per batch for each declaration and year that changed, at the position of its last change.
        var registers = new Dictionary<Guid, long>();
        var years = new Dictionary<(Guid, int), long>();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case ProgressReported r:
                    await ApplyReportAsync(session, r, e, ct);
                    years[(r.DeclarationId, r.Year)] = e.Position;
                    continue;
                case DeclarationDrafted or DeclarationRedrafted or DeclarationAdopted or DeclarationOpenedForSignature or DeclarationSigned or SignatureWithdrawn:
                    break;
                default:
                    continue;
            }

            var id = e.Data is DeclarationDrafted d ? d.DeclarationId : Guid.Parse(e.StreamId["declaration-".Length..]);
            var before = await session.LoadAsync<DeclarationDocument>(DeclarationDocument.DocumentId(id), ct);
            var state = DeclarationDecider.Instance.Evolve(before?.State, e.Data)!;
            var document = new DeclarationDocument(state, e.StreamVersion, before?.ReportYears ?? []);
            session.Store(DeclarationDocument.DocumentId(id), document);
            session.Store(DeclarationEntry.DocumentId(state.ConferenceSlug, id), new DeclarationEntry(
                id, state.ConferenceSlug, state.Text.Title, state.Status, state.TextHash, state.AdoptedAt, state.Signatories.Values.Count(s => s.IsBound)));
            if (state.IsAdopted)
            {
                registers[id] = e.Position;
            }

            if (e.Data is DeclarationSigned or SignatureWithdrawn)
            {
                // Who is expected to report changes every year's aggregate.
                foreach (var year in document.ReportYears)
                {
                    years[(id, year)] = e.Position;
                }
            }
        }

        foreach (var (id, stamp) in registers)
        {
            var document = (await session.LoadAsync<DeclarationDocument>(DeclarationDocument.DocumentId(id), ct))!;
            Render(session, Renderings.Register(id), stamp, SignatoryRegister.Of(document.State, document.Version));
        }

        foreach (var ((id, year), stamp) in years)
        {
            var document = (await session.LoadAsync<DeclarationDocument>(DeclarationDocument.DocumentId(id), ct))!;
            var figures = await session.LoadAsync<YearFigures>(YearFigures.DocumentId(id, year), ct);
            var view = ProgressAggregate.Compute(document.State, year, figures?.Reports.Values.ToList() ?? []);
            Render(session, Renderings.Progress(id, year, organiser: true), stamp, view);
            Render(session, Renderings.Progress(id, year, organiser: false), stamp, view with { Reporters = null, NotReported = null });
        }
    }

    private static async Task ApplyReportAsync(DocumentSession session, ProgressReported r, StoredEvent e, CancellationToken ct)
    {
        var report = ProgressReportDecider.Instance.Evolve(null, r)!;
        session.Store(ReportDocument.DocumentId(r.DeclarationId, r.Year, r.Party), new ReportDocument(report, e.StreamVersion));
        var figuresId = YearFigures.DocumentId(r.DeclarationId, r.Year);
        var figures = await session.LoadAsync<YearFigures>(figuresId, ct) ?? new YearFigures(new Dictionary<string, ReportFigures>(StringComparer.Ordinal));
        var reports = new Dictionary<string, ReportFigures>(figures.Reports, StringComparer.Ordinal)
        {
            [r.Party.Key] = new(r.Party, r.Commitments.Select(c => c.Status).ToList(), r.Commitments.Select(c => c.IndicatorValue).ToList()),
        };
        session.Store(figuresId, new YearFigures(reports));
        var declarationId = DeclarationDocument.DocumentId(r.DeclarationId);
        if (await session.LoadAsync<DeclarationDocument>(declarationId, ct) is { } document && !document.ReportYears.Contains(r.Year))
        {
            session.Store(declarationId, document with { ReportYears = [.. document.ReportYears, r.Year] });
        }
    }

    private static void Render<T>(DocumentSession session, string key, long stamp, T view)
    {
        session.Store(Renderings.BodyId(key), new Rendered(stamp, JsonSerializer.Serialize(view, JsonOptions)));
        session.Store(Renderings.HeadId(key), new RenderedHead(stamp));
    }
}
