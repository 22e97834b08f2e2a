using System.Collections.Concurrent;
using System.Text;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Declarations;

/// <summary>
/// Declarations: drafting and adoption by organisers, signatures and withdrawals for delegations, yearly progress
/// reports. Every change of a declaration is decided under its stream's lock, so signatures arriving together are
/// taken one after the other (never a spurious conflict); each party's yearly report is a stream of its own.
/// </summary>
public sealed class DeclarationService(EventStore.EventStore store, WatchedDocuments watched, PersonalDataVault vault, TimeProvider time) : ISeriesDeclarations
{
    private const int MaxTitle = 300;
    private const int MaxText = 20_000;
    private const int MaxCommitments = 100;
    private const int MaxNarrative = 10_000;
    private const string DefaultDeadline = "03-31";

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = Json.CreateOptions();

    // Rendered public answers by key, with the stamp they were rendered at; the stamp (the head) comes from memory
    // while no process changed it (WatchedDocuments), so every process serves the current bytes.
    private readonly ConcurrentDictionary<string, (long Stamp, byte[] Body)> rendered = new(StringComparer.Ordinal);

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task<DeclarationView> DraftAsync(string slug, DraftDeclarationRequest request, string actor, CancellationToken ct)
    {
        var (text, deadline) = Validate(request);
        var places = await store.Documents.LoadAsync<Places>(DelegationProjection.ProjectionName, Places.DocumentId(slug), ct)
            ?? throw ProblemException.NotFound($"conference '{slug}'");
        var id = Guid.CreateVersion7();
        return await ChangeAsync(id, _ => Task.FromResult<DeclarationCommand>(new DeclarationCommand.Draft(id, places.Conference, text, deadline, Now)), null, actor, null, ct, creating: true);
    }

    public Task<DeclarationView> RedraftAsync(Guid id, DraftDeclarationRequest request, long? ifMatch, string actor, CancellationToken ct)
    {
        var (text, deadline) = Validate(request);
        return ChangeAsync(id, _ => Task.FromResult<DeclarationCommand>(new DeclarationCommand.Redraft(text, deadline, Now)), ifMatch, actor, null, ct);
    }

    public Task<DeclarationView> AdoptAsync(Guid id, long? ifMatch, string actor, CancellationToken ct) =>
        ChangeAsync(id, async (context) =>
        {
            // The register and progress are public from adoption on: the conference must be public by then.
            var conference = await ConferenceAsync(context.Tx, context.State.ConferenceSlug, ct);
            if (conference.Status == ConferenceStatus.Draft)
            {
                throw ProblemException.Conflict("conference_not_published", "Publish the conference before adopting its declaration: the register of signatories is public.");
            }

            return new DeclarationCommand.Adopt(Now);
        }, ifMatch, actor, null, ct);

    public Task<DeclarationView> OpenForSignatureAsync(Guid id, OpenForSignatureRequest? request, long? ifMatch, string actor, CancellationToken ct) =>
        ChangeAsync(id, async context =>
        {
            if (request?.SessionId is not { } sessionId)
            {
                return new DeclarationCommand.OpenForSignature(null, Now);
            }

            var slug = context.State.ConferenceSlug;
            var agenda = await context.Tx.LoadAsync<AgendaState>(AgendaProjection.ProjectionName, AgendaProjection.StateId(slug), ct) ?? AgendaState.Empty;
            if (!agenda.Sessions.TryGetValue(sessionId, out var session))
            {
                throw ProblemException.Unprocessable("unknown_session", "There is no such session in this conference's agenda.");
            }

            if (session.Plan.Kind != SessionKind.SigningCeremony || session.Status == SessionStatus.Cancelled)
            {
                throw ProblemException.Unprocessable(
                    "not_a_signing_ceremony",
                    session.Status == SessionStatus.Cancelled ? "That signing ceremony was cancelled." : $"That session is a {session.Plan.Kind}, not a signing ceremony.");
            }

            return new DeclarationCommand.OpenForSignature(sessionId, session.Plan.Start.InZoneLeniently(context.State.Zone).ToInstant());
        }, ifMatch, actor, null, ct);

    /// <summary>A signature for a delegation; a focal point (<paramref name="ownDelegation"/>) signs only for its own (404 otherwise).</summary>
    public async Task<DeclarationView> SignAsync(Guid id, SignRequest request, Guid? ownDelegation, string actor, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(request.DelegationId is not null, "delegationId", "Name the delegation that signs.");
        v.Require(request.MemberId is not null, "memberId", "Name the member who signs.");
        var place = request.Place is null ? null : DeclarationText.Normalize(request.Place);
        v.Require(request.Place is null || place is { Length: > 0 and <= 200 }, "place", "The place of signature is 1 to 200 characters, or left out (the conference's city).");
        v.ThrowIfInvalid();
        var delegationId = RequireOwn(request.DelegationId!.Value, ownDelegation);
        return await ChangeAsync(id, async context =>
        {
            var (delegation, conference) = await DelegationOfAsync(context, delegationId, ct);
            var member = delegation.Find(request.MemberId!.Value) ?? throw ProblemException.NotFound("such member");
            var opened = await vault.OpenAsync([member.Person], ct, context.Tx.Connection);
            var person = opened.Open<PersonalDetails>(member.Person);
            if (person is null)
            {
                throw ProblemException.Unprocessable("member_erased", "This member's personal data was erased: the member cannot sign.");
            }

            var declarationConference = context.State.ConferenceSlug == conference.Slug ? conference : await ConferenceAsync(context.Tx, context.State.ConferenceSlug, ct);
            var signer = new SignatureRequestContext(
                delegation, member, person.Name, person.Function, place ?? declarationConference.Details.Venue.City, request.Date ?? Now.InZone(context.State.Zone).Date);
            return new DeclarationCommand.Sign(signer, declarationConference.Status == ConferenceStatus.Concluded, Now);
        }, null, actor, null, ct, [Delegation.StreamId(delegationId)]);
    }

    public async Task<DeclarationView> WithdrawSignatureAsync(Guid id, Guid delegationId, WithdrawSignatureRequest request, Guid? ownDelegation, string actor, CancellationToken ct)
    {
        var reason = request.Reason is null ? null : DeclarationText.Normalize(request.Reason);
        new Validator().Require(reason is { Length: > 0 and <= 2000 }, "reason", "Say why the signature is withdrawn (at most 2,000 characters).").ThrowIfInvalid();
        RequireOwn(delegationId, ownDelegation);
        return await ChangeAsync(id, async context =>
        {
            var (delegation, _) = await DelegationOfAsync(context, delegationId, ct);
            var today = Now.InZone(context.State.Zone).Date;
            var date = request.Date ?? today;
            var signed = context.State.Signatories.GetValueOrDefault(delegation.Party.Key)?.Acts[^1].Date;
            if (date > today || (signed is { } s && date < s))
            {
                new Validator().Require(false, "date", "The date of withdrawal is between the date of signature and today.").ThrowIfInvalid();
            }

            return new DeclarationCommand.Withdraw(delegation.Id, delegation.Party, reason!, date, Now);
        }, null, actor, reason, ct);
    }

    public async Task<ReportView> ReportAsync(Guid id, ReportRequest request, Guid? ownDelegation, string actor, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(request.DelegationId is not null, "delegationId", "Name the delegation that reports.");
        v.Require(request.Year is >= 1900 and <= 9999, "year", "Name the year reported on.");
        v.Require(request.Commitments is { Count: > 0 }, "commitments", "Report on every commitment.");
        v.ThrowIfInvalid();
        var delegationId = RequireOwn(request.DelegationId!.Value, ownDelegation);
        var document = await LoadAsync(id, ct) ?? throw ProblemException.NotFound("such declaration");
        var commitments = ValidateReport(document.State, request.Commitments!);
        var delegation = await DelegationAsync(delegationId, ct);
        await RequireSameSeriesAsync(document.State, delegation, ct);

        var streamId = ProgressReport.StreamId(id, request.Year!.Value, delegation.Party);
        // Under the declaration's lock too: every report of a year updates that year's figures and renderings (and
        // a signature re-renders them), documents that writers holding only their own stream's lock would overwrite.
        await using var tx = await store.BeginAsync([Declaration.StreamId(id), streamId], ct);
        // The declaration as its projection committed it: who is bound, the deadline.
        var declaration = (await tx.LoadAsync<DeclarationDocument>(DeclarationProjection.ProjectionName, DeclarationDocument.DocumentId(id), ct))!.State;
        var (state, version) = await tx.AggregateAsync(streamId, ProgressReportDecider.Instance.Initial, ProgressReportDecider.Instance.Evolve, ct);
        var events = ProgressReportDecider.Instance.Decide(new ReportProgress(declaration, delegation.Party, delegation.Id, request.Year.Value, commitments, Now), state);
        await tx.AppendAsync([new StreamAppend(streamId, ProgressReportDecider.Instance.StreamType, ExpectedVersion.Exactly(version), events)], EventMetadata.For(actor), ct);
        await tx.CommitAsync(ct);
        var report = ProgressReportDecider.Instance.Evolve(state, events[0])!;
        return ToView(declaration, report);
    }

    /// <summary>A party's report for a year as it stands, for its focal point and organisers.</summary>
    public async Task<ReportView> GetReportAsync(Guid id, Guid delegationId, int year, Guid? ownDelegation, CancellationToken ct)
    {
        RequireOwn(delegationId, ownDelegation);
        var document = await LoadAsync(id, ct) ?? throw ProblemException.NotFound("such declaration");
        var delegation = await DelegationAsync(delegationId, ct);
        var report = await store.Documents.LoadAsync<ReportDocument>(DeclarationProjection.ProjectionName, ReportDocument.DocumentId(id, year, delegation.Party), ct)
            ?? throw ProblemException.NotFound($"report of {delegation.Party.Name} for {year}");
        return ToView(document.State, report.Report);
    }

    public async Task<DeclarationView?> GetAsync(Guid id, int? version, bool organiser, CancellationToken ct)
    {
        var document = await LoadAsync(id, ct);
        if (document is null || !(organiser || document.State.IsAdopted))
        {
            return null;
        }

        return View(document, DraftOf(document.State, version));
    }

    /// <summary>The canonical form of the text (of a draft, when asked), whose SHA-256 is the text hash.</summary>
    public async Task<string?> TextAsync(Guid id, int? version, bool organiser, CancellationToken ct)
    {
        var document = await LoadAsync(id, ct);
        return document is null || !(organiser || document.State.IsAdopted) ? null : DraftOf(document.State, version).Text.Canonical();
    }

    public async Task<DraftChanges> ChangesAsync(Guid id, int? from, int? to, CancellationToken ct)
    {
        var document = await LoadAsync(id, ct) ?? throw ProblemException.NotFound("such declaration");
        var drafts = document.State.Drafts;
        var v = new Validator();
        v.Require(from is >= 1 && from <= drafts.Count, "from", $"from is a draft version, 1 to {drafts.Count}.");
        v.Require(to is null || (to >= 1 && to <= drafts.Count), "to", $"to is a draft version, 1 to {drafts.Count} (the latest when left out).");
        v.ThrowIfInvalid();
        return DraftDiff.Between(drafts[from!.Value - 1], drafts[(to ?? drafts.Count) - 1]);
    }

    /// <summary>A conference's declarations: adopted ones for the public, drafts too for organisers.</summary>
    public async Task<IReadOnlyList<DeclarationEntry>> ListAsync(string slug, bool organiser, CancellationToken ct)
    {
        var all = await store.Documents.ListAsync<DeclarationEntry>(DeclarationProjection.ProjectionName, DeclarationEntry.Prefix(slug), ct);
        return all.Where(d => organiser || d.Status != DeclarationStatus.Draft).OrderBy(d => d.Id).ToList();
    }

    public async Task<IReadOnlyList<SeriesDeclaration>> OfEditionsAsync(IReadOnlyList<string> conferenceSlugs, bool organiser, CancellationToken ct)
    {
        var found = new List<SeriesDeclaration>();
        foreach (var slug in conferenceSlugs)
        {
            found.AddRange((await ListAsync(slug, organiser, ct)).Select(d => new SeriesDeclaration(d.Id, d.Title, d.ConferenceSlug, d.Status.ToString(), d.AdoptedAt, d.Signatories)));
        }

        return found;
    }

    /// <summary>The register of signatories as rendered bytes with its stamp (the ETag), or null before adoption.</summary>
    public Task<(long Stamp, byte[] Body)?> RegisterAsync(Guid id, CancellationToken ct) => RenderedAsync(Renderings.Register(id), ct);

    public async Task<byte[]?> RegisterCsvAsync(Guid id, CancellationToken ct)
    {
        var json = await RegisterAsync(id, ct);
        return json is null ? null : SignatoryRegister.Csv(System.Text.Json.JsonSerializer.Deserialize<RegisterView>(json.Value.Body, JsonOptions)!);
    }

    /// <summary>One year's aggregate as rendered bytes with its stamp; a year without reports yet is computed (its stamp is the declaration's).</summary>
    public async Task<(long Stamp, byte[] Body)?> ProgressAsync(Guid id, int year, bool organiser, CancellationToken ct)
    {
        var found = await RenderedAsync(Renderings.Progress(id, year, organiser), ct);
        if (found is not null)
        {
            return found;
        }

        var document = await LoadAsync(id, ct);
        if (document is not { State.IsAdopted: true })
        {
            return null;
        }

        RequireYear(document.State, year);
        var view = Strip(ProgressAggregate.Compute(document.State, year, []), organiser);
        return (-document.Version, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(view, JsonOptions));
    }

    /// <summary>Every year from the adoption to the current one, side by side.</summary>
    public async Task<ProgressYearsView?> ProgressYearsAsync(Guid id, bool organiser, CancellationToken ct)
    {
        var document = await LoadAsync(id, ct);
        if (document is not { State.IsAdopted: true })
        {
            return null;
        }

        var (first, last) = Years(document.State);
        var years = new List<ProgressYearView>();
        for (var year = first; year <= last; year++)
        {
            var json = await RenderedAsync(Renderings.Progress(id, year, organiser), ct);
            years.Add(json is { } r
                ? System.Text.Json.JsonSerializer.Deserialize<ProgressYearView>(r.Body, JsonOptions)!
                : Strip(ProgressAggregate.Compute(document.State, year, []), organiser));
        }

        return new ProgressYearsView(id, years);
    }

    public void RequireYear(Declaration declaration, int year)
    {
        var (first, last) = Years(declaration);
        if (year < first || year > last)
        {
            throw ProblemException.Unprocessable(
                "year_out_of_range",
                $"Progress is followed for every year from the adoption ({first}) to the current one ({last}).",
                new Dictionary<string, object?> { ["firstYear"] = first, ["lastYear"] = last });
        }
    }

    private (int First, int Last) Years(Declaration declaration) =>
        (declaration.AdoptedAt!.Value.InZone(declaration.Zone).Year, Now.InZone(declaration.Zone).Year);

    private static ProgressYearView Strip(ProgressYearView view, bool organiser) => organiser ? view : view with { Reporters = null, NotReported = null };

    private async Task<(long Stamp, byte[] Body)?> RenderedAsync(string key, CancellationToken ct)
    {
        var head = await watched.LoadAsync<RenderedHead>(DeclarationProjection.ProjectionName, Renderings.HeadId(key), ct);
        if (head is null)
        {
            return null;
        }

        var cacheKey = $"{store.SchemaName}/{key}";
        if (rendered.TryGetValue(cacheKey, out var cached) && cached.Stamp == head.Stamp)
        {
            return cached;
        }

        // The rendering may have moved on since the head was read: serve what is there, under its own stamp.
        var body = await store.Documents.LoadAsync<Rendered>(DeclarationProjection.ProjectionName, Renderings.BodyId(key), ct);
        if (body is null)
        {
            return null;
        }

        var entry = (body.Stamp, Encoding.UTF8.GetBytes(body.Body));
        if (rendered.Count > 4096)
        {
            rendered.Clear();
        }

        rendered[cacheKey] = entry;
        return entry;
    }

    private Task<DeclarationDocument?> LoadAsync(Guid id, CancellationToken ct) =>
        store.Documents.LoadAsync<DeclarationDocument>(DeclarationProjection.ProjectionName, DeclarationDocument.DocumentId(id), ct);

    private sealed record Context(StoreTransaction Tx, Declaration State);

    /// <summary>One change under the declaration's lock (and any other stream the decision reads): fold, If-Match, decide, append, commit.</summary>
    private async Task<DeclarationView> ChangeAsync(
        Guid id, Func<Context, Task<DeclarationCommand>> command, long? ifMatch, string actor, string? reason, CancellationToken ct, IReadOnlyList<string>? alsoLock = null, bool creating = false)
    {
        var streamId = Declaration.StreamId(id);
        await using (var tx = await store.BeginAsync([streamId, .. alsoLock ?? []], ct))
        {
            var (state, version) = await tx.AggregateAsync(streamId, DeclarationDecider.Instance.Initial, DeclarationDecider.Instance.Evolve, ct);
            if (state is null && !creating)
            {
                throw ProblemException.NotFound("such declaration");
            }

            ETags.RequireMatch(ifMatch, version, "the declaration");
            var decided = await command(new Context(tx, state!));
            var events = DeclarationDecider.Instance.Decide(decided, state);
            if (events.Count > 0)
            {
                await tx.AppendAsync([new StreamAppend(streamId, DeclarationDecider.Instance.StreamType, ExpectedVersion.Exactly(version), events)], EventMetadata.For(actor, reason), ct);
                await tx.CommitAsync(ct);
            }
        }

        var document = (await LoadAsync(id, ct))!;
        return View(document, document.State.Current);
    }

    private static DraftVersion DraftOf(Declaration state, int? version)
    {
        if (version is null)
        {
            return state.Current;
        }

        return version >= 1 && version <= state.Drafts.Count
            ? state.Drafts[version.Value - 1]
            : throw ProblemException.NotFound($"draft version {version} (this declaration has {state.Drafts.Count})");
    }

    private static DeclarationView View(DeclarationDocument document, DraftVersion draft)
    {
        var s = document.State;
        return new DeclarationView(
            s.Id, s.ConferenceSlug, s.SeriesSlug, s.Status, draft.Number, s.Drafts.Count, draft.Text.Title, draft.Text.Preamble, draft.Text.Commitments, draft.ReportingDeadline,
            draft.Text.Hash(), draft.DraftedAt, s.AdoptedAt, s.OpensAt is { } opens ? new SigningView(s.SigningSessionId, opens) : null, s.Signatories.Values.Count(x => x.IsBound),
            document.Version);
    }

    private static ReportView ToView(Declaration declaration, ProgressReport report) => new(
        report.DeclarationId, PartyRef.Of(report.Party), report.DelegationId, report.Year, report.Revision, report.ReportedAt, declaration.ReportingDeadline(report.Year), report.Commitments);

    private static Guid RequireOwn(Guid delegationId, Guid? ownDelegation) =>
        ownDelegation is { } own && own != delegationId ? throw ProblemException.NotFound("such delegation") : delegationId;

    private async Task<Delegation> DelegationAsync(Guid delegationId, CancellationToken ct)
    {
        var where = await store.Documents.LoadAsync<DelegationLocation>(DelegationProjection.ProjectionName, DelegationLocation.DocumentId(delegationId), ct);
        var document = where is null
            ? null
            : await store.Documents.LoadAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.DocumentId(where.ConferenceSlug, delegationId), ct);
        return document?.State ?? throw ProblemException.NotFound("such delegation");
    }

    /// <summary>The delegation as its stream says now (its lock is held), and its conference, which must be the declaration's or of its series.</summary>
    private static async Task<(Delegation Delegation, Conference Conference)> DelegationOfAsync(Context context, Guid delegationId, CancellationToken ct)
    {
        var (delegation, _) = await context.Tx.AggregateAsync(Delegation.StreamId(delegationId), DelegationDecider.Instance.Initial, DelegationDecider.Instance.Evolve, ct);
        if (delegation is null)
        {
            throw ProblemException.NotFound("such delegation");
        }

        var conference = await ConferenceAsync(context.Tx, delegation.ConferenceSlug, ct);
        RequireSameSeries(context.State, conference);
        return (delegation, conference);
    }

    private async Task RequireSameSeriesAsync(Declaration declaration, Delegation delegation, CancellationToken ct)
    {
        var places = await store.Documents.LoadAsync<Places>(DelegationProjection.ProjectionName, Places.DocumentId(delegation.ConferenceSlug), ct);
        RequireSameSeries(declaration, places!.Conference);
    }

    /// <summary>A party acts through a delegation to the declaration's conference, or to another edition of its series.</summary>
    private static void RequireSameSeries(Declaration declaration, Conference conference)
    {
        if (conference.Slug != declaration.ConferenceSlug && (declaration.SeriesSlug is null || conference.Details.SeriesSlug != declaration.SeriesSlug))
        {
            throw ProblemException.Unprocessable(
                "delegation_not_in_series",
                "This delegation is to a conference that is neither the declaration's nor an edition of its series.");
        }
    }

    private static async Task<Conference> ConferenceAsync(StoreTransaction tx, string slug, CancellationToken ct) =>
        (await tx.LoadAsync<Places>(DelegationProjection.ProjectionName, Places.DocumentId(slug), ct))?.Conference
        ?? throw ProblemException.NotFound($"conference '{slug}'");

    private static (DeclarationText Text, string Deadline) Validate(DraftDeclarationRequest r)
    {
        var v = new Validator();
        var title = r.Title is null ? "" : DeclarationText.Normalize(r.Title);
        v.Require(title.Length is > 0 and <= MaxTitle && !title.Contains('\n'), "title", $"A declaration has a title of one line, at most {MaxTitle} characters.");
        var preamble = r.Preamble is null ? "" : DeclarationText.Normalize(r.Preamble);
        v.Require(preamble.Length is > 0 and <= MaxText, "preamble", $"A declaration has a preamble of at most {MaxText:N0} characters.");
        v.Require(r.Commitments is { Count: > 0 and <= MaxCommitments }, "commitments", $"A declaration has 1 to {MaxCommitments} commitments.");
        var commitments = new List<Commitment>();
        foreach (var (c, i) in (r.Commitments ?? []).Select((c, i) => (c, i)))
        {
            var field = $"commitments[{i}]";
            var text = c?.Text is null ? "" : DeclarationText.Normalize(c.Text);
            v.Require(text.Length is > 0 and <= MaxText, $"{field}.text", $"A commitment has a text of at most {MaxText:N0} characters.");
            Indicator? indicator = null;
            if (c?.Indicator is { } ind)
            {
                var name = ind.Name is null ? "" : DeclarationText.Normalize(ind.Name);
                var unit = ind.Unit is null ? "" : DeclarationText.Normalize(ind.Unit);
                v.Require(name.Length is > 0 and <= MaxTitle && !name.Contains('\n'), $"{field}.indicator.name", "An indicator says, in one line, what is measured.");
                v.Require(unit.Length is > 0 and <= 100 && !unit.Contains('\n'), $"{field}.indicator.unit", "An indicator has a unit (percent, cases, ...), in one line.");
                indicator = new Indicator(name, unit);
            }

            v.Require(c?.YearlyTarget is null || indicator is not null, $"{field}.yearlyTarget", "A yearly target is a value of the commitment's indicator: give the indicator too.");
            commitments.Add(new Commitment(i + 1, text, indicator, c?.YearlyTarget));
        }

        var deadline = r.ReportingDeadline ?? DefaultDeadline;
        v.Require(AnnualDatePattern.Iso.Parse(deadline).Success, "reportingDeadline", "The reporting deadline is a day of the following year, written MM-dd (03-31 when left out).");
        v.ThrowIfInvalid();
        return (new DeclarationText(title, preamble, commitments), deadline);
    }

    /// <summary>Exactly one entry per commitment, in the declaration's order; an indicator value only where the commitment has an indicator.</summary>
    private static List<CommitmentProgress> ValidateReport(Declaration declaration, IReadOnlyList<CommitmentProgressRequest?> entries)
    {
        var v = new Validator();
        var byNumber = declaration.Text.Commitments.ToDictionary(c => c.Number);
        var given = new Dictionary<int, CommitmentProgress>();
        foreach (var (e, i) in entries.Select((e, i) => (e, i)))
        {
            var field = $"commitments[{i}]";
            if (e?.Number is not { } number || !byNumber.TryGetValue(number, out var commitment))
            {
                v.Require(false, $"{field}.number", $"Name a commitment of the declaration (1 to {byNumber.Count}).");
                continue;
            }

            v.Require(!given.ContainsKey(number), $"{field}.number", $"Commitment {number} is reported on once.");
            var status = Enum.TryParse<ProgressStatus>(e.Status, out var s) && Enum.IsDefined(s) && !int.TryParse(e.Status, out _) ? s : (ProgressStatus?)null;
            v.Require(status is not null, $"{field}.status", "The status is NotStarted, InProgress or Achieved.");
            v.Require(e.IndicatorValue is null || commitment.Indicator is not null, $"{field}.indicatorValue", $"Commitment {number} has no indicator: leave the value out.");
            var narrative = e.Narrative is null ? "" : DeclarationText.Normalize(e.Narrative);
            v.Require(narrative.Length is > 0 and <= MaxNarrative, $"{field}.narrative", $"Say in a narrative (at most {MaxNarrative:N0} characters) what was done.");
            given[number] = new CommitmentProgress(number, status ?? ProgressStatus.NotStarted, e.IndicatorValue, narrative);
        }

        var missing = byNumber.Keys.Where(n => !given.ContainsKey(n)).ToList();
        v.Require(missing.Count == 0, "commitments", $"Report on every commitment; missing: {string.Join(", ", missing)}.");
        v.ThrowIfInvalid();
        return given.Values.OrderBy(c => c.Number).ToList();
    }
}
