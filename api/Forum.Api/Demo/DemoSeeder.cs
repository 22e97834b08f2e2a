using System.Text.Json;
using System.Text.Json.Nodes;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore.Projections;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Forum.Api.Demo;

/// <summary>
/// Seeds the demo facts (shared/demo, embedded) through the application's own commands, idempotently:
/// each step looks first and does only what is missing, so a second run changes nothing. The declarations' history
/// is decided by a <see cref="DeclarationService"/> on a <see cref="HistoricalClock"/> set to each moment in turn.
/// </summary>
public sealed class DemoSeeder(
    ConferenceService conferences, AgendaService agenda, DelegationService delegations, EventStore.EventStore store, WatchedDocuments watched, PersonalDataVault vault,
    Venues.VenueService venue, DocsExamples docs, ILogger<DemoSeeder> logger)
{
    private const string Actor = "system:demo-seed";
    private static readonly JsonSerializerOptions ApiJson = Json.CreateOptions();

    /// <summary>
    /// Which of the coalition's companies (by their order in the demo file) report on which year, and from when (New
    /// York time, one company an hour): illustrative, so that progress shows reporters and non-reporters.
    /// </summary>
    private static readonly (int Year, int[] Companies, LocalDateTime From)[] IllustrativeReports =
    [
        (2020, [0, 1, 2, 3, 4], new LocalDateTime(2021, 3, 1, 10, 0)),
        (2021, [0, 2, 3, 5], new LocalDateTime(2022, 3, 1, 10, 0)),
    ];

    public async Task SeedAsync(CancellationToken ct = default)
    {
        // Several API processes may start at once: one seeds at a time (the lock is the session's, held on a
        // connection of its own), and the others then find everything in place.
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await LockAsync(connection, "pg_advisory_lock", ct);
        try
        {
            await SeedGlobalAllianceAsync(ct);
            await SeedTechnologyCoalitionAsync(ct);
            await FillDocsExamplesAsync(ct);
        }
        finally
        {
            await LockAsync(connection, "pg_advisory_unlock", CancellationToken.None);
        }

        logger.LogInformation("Demo data is in place");
    }

    /// <summary>
    /// The ids and codes the explorer's examples name (<see cref="DocsExamples"/>), read from the demo as seeded: the
    /// launch's rooms and sessions, the European Commission's delegation (it hosted and did not sign, so signing for it
    /// works), a company's authorised signatory and Project Protect for the protocol's and reports' examples, and the
    /// Commission's badges for check-in (issued here, once: asking again gives the same serial).
    /// </summary>
    private async Task FillDocsExamplesAsync(CancellationToken ct)
    {
        const string launch = "global-alliance-2012";
        var (state, _) = await agenda.WorkingAsync(launch, null, ct);
        var sessions = state.Sessions.Values.OrderBy(s => s.Number).ToList();
        Guid Session(SessionKind kind) => sessions.First(s => s.Plan.Kind == kind).Id;
        docs.Set("demo-room", Id(state.Rooms.Single(r => r.Name == "Room 3").Id));
        docs.Set("demo-press-room", Id(state.Rooms.Single(r => r.Name == "Press Room").Id));
        docs.Set("demo-press-conference", Id(Session(SessionKind.PressConference)));
        docs.Set("demo-signing-ceremony", Id(Session(SessionKind.SigningCeremony)));
        var ministerial = Session(SessionKind.Ministerial);
        docs.Set("demo-ministerial-session", Id(ministerial));

        // The tour de table fixed by hand: the two hosts open it, the others follow in the order they asked.
        var parties = await delegations.ListAsync(launch, ct);
        var hosts = parties.Where(d => d.Party.Code == "US" || d.Party.Name == "European Commission").Select(d => d.Id).ToHashSet();
        var order = (await delegations.SpeakingOrderAsync(launch, ministerial, ct)).Select(t => t.DelegationId).OrderBy(id => !hosts.Contains(id));
        docs.Set("demo-speaking-order", new JsonArray([.. order.Select(id => (JsonNode)Id(id))]));

        var commission = parties.Single(d => d.Party.Name == "European Commission");
        var head = commission.Members.First(m => m.IsHead && m.Status == MemberStatus.Active);
        var adviser = commission.Members.First(m => !m.IsHead && m.Status == MemberStatus.Active);
        docs.Set("demo-delegation", Id(commission.Id));
        docs.Set("demo-head", Id(head.Id));
        docs.Set("demo-adviser", Id(adviser.Id));
        docs.Set("demo-badge-code", JsonValue.Create((await venue.BadgeAsync(commission.Id, head.Id, Actor, ct)).Code));
        docs.Set("demo-badge-code-2", JsonValue.Create((await venue.BadgeAsync(commission.Id, adviser.Id, Actor, ct)).Code));

        var declarations = new DeclarationService(store, watched, vault, new HistoricalClock());
        // The first adopted: the demo's own, whatever the explorer's examples drafted and adopted since.
        static DeclarationEntry First(IEnumerable<DeclarationEntry> list) => list.Where(d => d.AdoptedAt is not null).OrderBy(d => d.AdoptedAt).First();
        docs.Set("demo-declaration", Id(First(await declarations.ListAsync(launch, organiser: true, ct)).Id));
        const string forum = "tech-coalition-forum-2020";
        var protect = First(await declarations.ListAsync(forum, organiser: true, ct));
        docs.Set("demo-company-declaration", Id(protect.Id));
        var company = (await delegations.ListAsync(forum, ct)).Single(d => d.Party.Name == "Microsoft");
        docs.Set("demo-company-delegation", Id(company.Id));
        docs.Set("demo-company-signatory", Id(company.Members.First(m => m.HasFullPowers && m.Status == MemberStatus.Active).Id));
        // Reports on the current year are open until its deadline, next year: the example stays good every year.
        docs.Set("demo-report-year", JsonValue.Create(SystemClock.Instance.GetCurrentInstant().InZone(DateTimeZoneProviders.Tzdb["America/New_York"]).Year));
    }

    private static JsonValue Id(Guid id) => JsonValue.Create(id.ToString());

    private async Task LockAsync(NpgsqlConnection connection, string function, CancellationToken ct)
    {
        // Waiting is the point: another process is seeding, which takes longer than a command's usual 30 s on a busy machine.
        await using var command = new NpgsqlCommand($"SELECT {function}(hashtextextended($1, 0))", connection) { CommandTimeout = 600 };
        command.Parameters.AddWithValue($"forum-demo-seed:{store.SchemaName}");
        await command.ExecuteScalarAsync(ct);
    }

    private async Task SeedGlobalAllianceAsync(CancellationToken ct)
    {
        using var demo = await LoadAsync("global-alliance-2012.json", ct);
        var c = demo.RootElement.GetProperty("conference");
        var slug = c.GetProperty("slug").GetString()!;
        var day = c.GetProperty("firstDay").GetString()!;
        await EnsureConferenceAsync(c, null, ct);

        var (state, _) = await agenda.WorkingAsync(slug, null, ct);
        var rooms = state.Rooms.ToDictionary(r => r.Name, r => r.Id, StringComparer.Ordinal);
        foreach (var room in demo.RootElement.GetProperty("rooms").EnumerateArray())
        {
            var name = room.GetProperty("name").GetString()!;
            if (!rooms.ContainsKey(name))
            {
                var added = await agenda.AddRoomAsync(slug, new RoomRequest(name, room.GetProperty("capacity").GetInt32(), Strings(room, "interpretation")), Actor, ct);
                rooms[name] = added.Id;
            }
        }

        var titles = state.Sessions.Values.Select(s => s.Plan.Title).ToHashSet(StringComparer.Ordinal);
        foreach (var session in demo.RootElement.GetProperty("sessions").EnumerateArray())
        {
            var title = session.GetProperty("title").GetString()!;
            if (titles.Contains(title))
            {
                continue;
            }

            await agenda.ScheduleAsync(slug, new SessionRequest(
                session.GetProperty("kind").GetString(), title, null, rooms[session.GetProperty("room").GetString()!],
                $"{day}T{session.GetProperty("start").GetString()}", $"{day}T{session.GetProperty("end").GetString()}",
                session.TryGetProperty("chair", out var chair) ? chair.GetString() : null, Strings(session, "speakers"),
                session.GetProperty("public").GetBoolean(), null), Actor, ct);
        }

        (state, _) = await agenda.WorkingAsync(slug, null, ct);
        if (state.ChangedSincePublished)
        {
            await agenda.PublishAsync(slug, Actor, ct);
        }

        // The two hosts are named in the press reports; every other member has a plainly illustrative name.
        var hosts = c.GetProperty("hosts").EnumerateArray().ToDictionary(
            h => h.GetProperty("party").GetString()!, h => (Name: h.GetProperty("name").GetString()!, Function: h.GetProperty("function").GetString()!), StringComparer.Ordinal);
        var parties = demo.RootElement.GetProperty("parties");
        var all = Strings(parties, "euMemberStates2012").Concat(Strings(parties, "otherStates")).Select(code => new PartyRequest("State", code, null))
            .Concat(parties.GetProperty("organisations").EnumerateArray().Select(o => new PartyRequest(o.GetProperty("kind").GetString(), null, o.GetProperty("name").GetString())))
            .Select((party, i) =>
            {
                var label = party.Code ?? party.Name!;
                var (name, function) = hosts.TryGetValue(label, out var host) ? host : ($"Head of delegation ({label})", MinisterialFunctions[i % MinisterialFunctions.Length]);
                return (party, Head: new MemberRequest(name, function, "Minister", Email("head", label), true, null), Advisers: 1 + (i % 2));
            });
        await EnsureDelegationsAsync(slug, all.ToList(), ct);
        await EnsureSeatsAsync(slug, ct);

        // The heads took their seats after the first publication, as delegations register after it; the organisers then
        // publish again, so that the published tour de table names its speakers as the working agenda does.
        if ((await agenda.PendingAsync(slug, ct)).Sessions.Count > 0)
        {
            await agenda.PublishAsync(slug, Actor, ct);
        }

        await EnsureGlobalAllianceDeclarationAsync(demo.RootElement, ct);
    }

    /// <summary>
    /// The declaration as it went on the day: drafted in the morning, adopted at the end of the ministerial session,
    /// opened at the signing ceremony and signed there by the head of each of the 48 state delegations, one after the
    /// other. The European Commission hosted the launch and does not sign: the register lists the 48 states.
    /// </summary>
    private async Task EnsureGlobalAllianceDeclarationAsync(JsonElement demo, CancellationToken ct)
    {
        var c = demo.GetProperty("conference");
        var slug = c.GetProperty("slug").GetString()!;
        var (zone, day) = ZoneAndFirstDay(c);
        var city = c.GetProperty("venue").GetProperty("city").GetString()!;
        var text = demo.GetProperty("declaration");
        var (agendaState, _) = await agenda.WorkingAsync(slug, null, ct);
        var ceremony = agendaState.Sessions.Values.Single(s => s.Plan.Title == text.GetProperty("signingSession").GetString());
        var clock = new HistoricalClock();
        var declarations = new DeclarationService(store, watched, vault, clock);
        var id = await EnsureDeclarationAsync(declarations, clock, slug, text, zone, day.At(new LocalTime(8, 0)), day.At(new LocalTime(12, 30)), ceremony.Id, ct);

        // The conference is never concluded by the demo, so these are signatures, not accessions.
        var signed = await InRegisterAsync(declarations, id, ct);
        var states = (await delegations.ListAsync(slug, ct)).Where(d => d.Status == DelegationStatus.Active && d.Party.Kind == PartyKind.State).OrderBy(d => d.Number).ToList();
        for (var i = 0; i < states.Count; i++)
        {
            if (signed.Contains(Label(states[i].Party)))
            {
                continue;
            }

            // Two a minute from the ceremony's start: the 48 sign within its half hour.
            clock.Set(ceremony.Plan.Start.PlusSeconds(30 * i), zone);
            var head = states[i].Members.Single(m => m.IsHead && m.Status == MemberStatus.Active);
            await declarations.SignAsync(id, new SignRequest(states[i].Id, head.Id, city, day), null, Actor, ct);
        }
    }

    /// <summary>
    /// Project Protect, drafted and adopted at the 2020 forum (online) and opened for signature there, signed by the
    /// seven named companies; then illustrative reports on 2020 and 2021 from some of them, before each deadline.
    /// </summary>
    private async Task EnsureProjectProtectAsync(JsonElement demo, CancellationToken ct)
    {
        var editions = demo.GetProperty("editions").EnumerateArray().ToList();
        var slug = editions[0].GetProperty("slug").GetString()!;
        var (zone, day) = ZoneAndFirstDay(editions[0]);
        var text = demo.GetProperty("declaration");
        var clock = new HistoricalClock();
        var declarations = new DeclarationService(store, watched, vault, clock);
        var id = await EnsureDeclarationAsync(declarations, clock, slug, text, zone, day.At(new LocalTime(9, 0)), day.At(new LocalTime(11, 0)), null, ct);

        var companies = demo.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToList();
        var signed = await InRegisterAsync(declarations, id, ct);
        var delegationsAt = (await delegations.ListAsync(slug, ct)).Where(d => d.Status == DelegationStatus.Active).ToDictionary(d => d.Party.Name, StringComparer.Ordinal);
        for (var i = 0; i < companies.Count; i++)
        {
            if (signed.Contains(companies[i]))
            {
                continue;
            }

            var delegation = delegationsAt[companies[i]];
            var signer = await EnsureSignerAsync(delegation, ct);
            clock.Set(day.At(new LocalTime(11, 30)).PlusMinutes(5 * i), zone);
            await declarations.SignAsync(id, new SignRequest(delegation.Id, signer, null, day), null, Actor, ct);
        }

        foreach (var (year, reporters, from) in IllustrativeReports)
        {
            // Each year's report comes through the company's delegation to that year's forum.
            var edition = editions.Single(e => ZoneAndFirstDay(e).Day.Year == year).GetProperty("slug").GetString()!;
            var parties = (await delegations.ListAsync(edition, ct)).Where(d => d.Status == DelegationStatus.Active).ToDictionary(d => d.Party.Name, StringComparer.Ordinal);
            clock.Set(from, zone);
            var progress = await declarations.ProgressAsync(id, year, organiser: true, ct);
            var reported = JsonSerializer.Deserialize<ProgressYearView>(progress!.Value.Body, ApiJson)!.Reporters!.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var n in reporters.Where(n => !reported.Contains(companies[n])))
            {
                clock.Set(from.PlusHours(n), zone);
                await declarations.ReportAsync(id, new ReportRequest(parties[companies[n]].Id, year, IllustrativeReport(text, year, n, companies[n])), null, Actor, ct);
            }
        }
    }

    /// <summary>
    /// The coalition's heads of delegation are senior officials, not of ministerial rank: a company signs through a
    /// member its focal point declared as holding full powers, which protocol confirmed (added and accredited first if
    /// the delegation has none).
    /// </summary>
    private async Task<Guid> EnsureSignerAsync(DelegationView delegation, CancellationToken ct)
    {
        var active = delegation.Members.Where(m => m.Status == MemberStatus.Active).ToList();
        var entitled = active.FirstOrDefault(m =>
            m.Accreditation.Status == AccreditationStatus.Approved && ((m.IsHead && m.IsMinisterialRank) || m.FullPowers is { Confirmed: true }));
        if (entitled is not null)
        {
            return entitled.Id;
        }

        var signer = active.FirstOrDefault(m => m.HasFullPowers);
        if (signer is null)
        {
            var label = delegation.Party.Name;
            var added = await delegations.AddMemberAsync(
                delegation.Id, new MemberRequest($"Authorised signatory ({label})", "Authorised signatory", "SeniorOfficial", Email("signatory", label), false, true), null, Actor, ct);
            signer = added.Members.Single(m => m.Status == MemberStatus.Active && m.HasFullPowers);
        }

        if (signer.Accreditation.Status == AccreditationStatus.Pending)
        {
            await delegations.DecideAccreditationAsync(delegation.Id, signer.Id, new AccreditationRequest("approve", null), null, Actor, ct);
        }

        await delegations.DecideFullPowersAsync(delegation.Id, signer.Id, new FullPowersRequest(true, null), null, Actor, ct);
        return signer.Id;
    }

    /// <summary>
    /// Plainly illustrative (the sources give no reports, and the narratives say so): statuses that advance a year
    /// on, and for the indicator the share of members that published a report.
    /// </summary>
    private static List<CommitmentProgressRequest?> IllustrativeReport(JsonElement text, int year, int company, string name) =>
        text.GetProperty("commitments").EnumerateArray().Select((c, i) => (CommitmentProgressRequest?)new CommitmentProgressRequest(
            i + 1,
            Math.Min(2, (year - 2020) + ((i + company) % 3)) switch { 0 => "NotStarted", 1 => "InProgress", _ => "Achieved" },
            c.TryGetProperty("indicator", out _) ? Math.Min(100, 40 + (30 * (year - 2020)) + (10 * company)) : null,
            $"Illustrative demo report, not {name}'s own words: what it did on commitment {i + 1} in {year}.")).ToList();

    /// <summary>Drafts the declaration unless the conference has one of that title, adopts it and opens it for signature (at the ceremony, when named).</summary>
    private static async Task<Guid> EnsureDeclarationAsync(
        DeclarationService declarations, HistoricalClock clock, string slug, JsonElement text, DateTimeZone zone, LocalDateTime drafted, LocalDateTime adopted, Guid? ceremony, CancellationToken ct)
    {
        var request = DraftRequest(text);
        var existing = (await declarations.ListAsync(slug, organiser: true, ct)).FirstOrDefault(d => d.Title == request.Title);
        var (id, status) = existing is null ? (Guid.Empty, (DeclarationStatus?)null) : (existing.Id, existing.Status);
        if (status is null)
        {
            clock.Set(drafted, zone);
            var draft = await declarations.DraftAsync(slug, request, Actor, ct);
            (id, status) = (draft.Id, draft.Status);
        }

        clock.Set(adopted, zone);
        if (status == DeclarationStatus.Draft)
        {
            status = (await declarations.AdoptAsync(id, null, Actor, ct)).Status;
        }

        if (status == DeclarationStatus.Adopted)
        {
            await declarations.OpenForSignatureAsync(id, new OpenForSignatureRequest(ceremony), null, Actor, ct);
        }

        return id;
    }

    private static DraftDeclarationRequest DraftRequest(JsonElement text) => new(
        text.GetProperty("title").GetString(),
        text.GetProperty("preamble").GetString(),
        text.GetProperty("commitments").EnumerateArray().Select(c => (CommitmentRequest?)new CommitmentRequest(
            c.GetProperty("text").GetString(),
            c.TryGetProperty("indicator", out var indicator) ? Indicator(indicator.GetString()!) : null,
            c.TryGetProperty("yearlyTarget", out var target) ? target.GetDecimal() : null)).ToList(),
        null);

    /// <summary>The demo files write an indicator as "what is measured, unit"; the API takes the two apart.</summary>
    private static IndicatorRequest Indicator(string text)
    {
        var comma = text.LastIndexOf(", ", StringComparison.Ordinal);
        return new IndicatorRequest(text[..comma], text[(comma + 2)..]);
    }

    /// <summary>Every party in the register, whatever it did since signing, by state code or organisation name.</summary>
    private static async Task<HashSet<string>> InRegisterAsync(DeclarationService declarations, Guid id, CancellationToken ct)
    {
        var register = JsonSerializer.Deserialize<RegisterView>((await declarations.RegisterAsync(id, ct))!.Value.Body, ApiJson)!;
        return register.Groups.SelectMany(g => g.Rows).Select(r => r.Party.Code ?? r.Party.Name).ToHashSet(StringComparer.Ordinal);
    }

    private static string Label(Party party) => party.Code ?? party.Name;

    private static (DateTimeZone Zone, LocalDate Day) ZoneAndFirstDay(JsonElement conference) =>
        (DateTimeZoneProviders.Tzdb[conference.GetProperty("timeZone").GetString()!], LocalDatePattern.Iso.Parse(conference.GetProperty("firstDay").GetString()!).Value);

    /// <summary>
    /// Every head in the ministerial session, asking for the floor (the tour de table follows from it), and each
    /// adviser in one workshop of each slot. Asking again for a seat one holds changes nothing.
    /// </summary>
    private async Task EnsureSeatsAsync(string slug, CancellationToken ct)
    {
        var (agendaState, _) = await agenda.WorkingAsync(slug, null, ct);
        var sessions = agendaState.Sessions.Values.OrderBy(s => s.Number).ToList();
        var ministerial = sessions.Single(s => s.Plan.Kind == SessionKind.Ministerial).Id;
        var workshopSlots = sessions.Where(s => s.Plan.Kind == SessionKind.Workshop).GroupBy(s => s.Plan.Start).Select(g => g.Select(s => s.Id).ToList()).ToList();
        var delegationViews = await delegations.ListAsync(slug, ct);
        for (var i = 0; i < delegationViews.Count; i++)
        {
            var delegation = delegationViews[i];
            var head = delegation.Members.Single(m => m.IsHead);
            if (!head.Seats.Any(s => s.SessionId == ministerial))
            {
                await delegations.RequestSeatsAsync(delegation.Id, new SeatsRequest(ministerial, [head.Id], true), null, Actor, ct);
            }

            foreach (var (adviser, n) in delegation.Members.Where(m => !m.IsHead).Select((m, n) => (m, n)))
            {
                var workshop = workshopSlots[n % workshopSlots.Count][i % workshopSlots[n % workshopSlots.Count].Count];
                if (!adviser.Seats.Any(s => s.SessionId == workshop))
                {
                    await delegations.RequestSeatsAsync(delegation.Id, new SeatsRequest(workshop, [adviser.Id], null), null, Actor, ct);
                }
            }
        }
    }

    private static readonly string[] MinisterialFunctions = ["Minister of Justice", "Minister of the Interior", "Minister of Home Affairs", "Secretary of State for Justice"];

    /// <summary>Opens registration if need be, registers the parties not yet registered, and accredits every member.</summary>
    private async Task EnsureDelegationsAsync(string slug, IReadOnlyList<(PartyRequest Party, MemberRequest Head, int Advisers)> parties, CancellationToken ct)
    {
        if ((await conferences.GetAsync(slug, ct))!.Status == ConferenceStatus.Published)
        {
            await conferences.ChangeAsync(slug, new ConferenceCommand.OpenRegistration(), Actor, null, ct);
        }

        var registered = (await delegations.ListAsync(slug, ct)).Where(d => d.Status == DelegationStatus.Active).Select(d => d.Party.Code ?? d.Party.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (party, head, advisers) in parties)
        {
            var label = party.Code ?? party.Name!;
            if (registered.Contains(label))
            {
                continue;
            }

            var members = Enumerable.Range(1, advisers)
                .Select(n => new MemberRequest($"Adviser {n} ({label})", n == 1 ? "Senior adviser" : "Legal adviser", n == 1 ? "SeniorOfficial" : "Official", Email($"adviser{n}", label), false, null))
                .Prepend(head).ToList();
            await delegations.RegisterAsync(slug, new RegisterDelegationRequest(party, new ContactRequest($"Focal point ({label})", Email("focal-point", label)), members), null, Actor, ct);
        }

        foreach (var delegation in await delegations.ListAsync(slug, ct))
        {
            foreach (var member in delegation.Members.Where(m => m.Status == MemberStatus.Active && m.Accreditation.Status == AccreditationStatus.Pending))
            {
                await delegations.DecideAccreditationAsync(delegation.Id, member.Id, new AccreditationRequest("approve", null), null, Actor, ct);
            }
        }
    }

    private static string Email(string role, string label) =>
        $"{role}.{new string(label.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray())}@example.org";

    private async Task SeedTechnologyCoalitionAsync(CancellationToken ct)
    {
        using var demo = await LoadAsync("technology-coalition.json", ct);
        var s = demo.RootElement.GetProperty("series");
        var seriesSlug = s.GetProperty("slug").GetString()!;
        if (await conferences.GetSeriesAsync(seriesSlug, ct) is null)
        {
            await conferences.CreateSeriesAsync(new CreateSeriesRequest(seriesSlug, s.GetProperty("name").GetString(), s.GetProperty("description").GetString()), Actor, ct);
        }

        var parties = demo.RootElement.GetProperty("members").EnumerateArray().Concat(demo.RootElement.GetProperty("partners").EnumerateArray())
            .Select(p => new PartyRequest(p.GetProperty("kind").GetString(), null, p.GetProperty("name").GetString()))
            .Select(party => (party, Head: new MemberRequest($"Head of delegation ({party.Name})", "Head of delegation", "SeniorOfficial", Email("head", party.Name!), true, null), Advisers: 1))
            .ToList();
        foreach (var edition in demo.RootElement.GetProperty("editions").EnumerateArray())
        {
            await EnsureConferenceAsync(edition, seriesSlug, ct);
            await EnsureDelegationsAsync(edition.GetProperty("slug").GetString()!, parties, ct);
        }

        await EnsureProjectProtectAsync(demo.RootElement, ct);
    }

    private async Task EnsureConferenceAsync(JsonElement c, string? seriesSlug, CancellationToken ct)
    {
        var slug = c.GetProperty("slug").GetString()!;
        var existing = await conferences.GetAsync(slug, ct);
        if (existing is null)
        {
            var venue = c.GetProperty("venue");
            existing = await conferences.ScheduleAsync(new ScheduleConferenceRequest(
                slug, c.GetProperty("title").GetString(), seriesSlug,
                new VenueRequest(venue.GetProperty("name").GetString(), venue.GetProperty("city").GetString(), venue.GetProperty("country").GetString()),
                c.GetProperty("timeZone").GetString(), c.GetProperty("firstDay").GetString(), c.GetProperty("lastDay").GetString(),
                c.TryGetProperty("languages", out _) ? Strings(c, "languages") : ["en"],
                c.GetProperty("capacity").GetInt32(), c.GetProperty("delegationQuota").GetInt32()), Actor, ct);
        }

        if (existing.Status == ConferenceStatus.Draft)
        {
            await conferences.ChangeAsync(slug, new ConferenceCommand.Publish(), Actor, null, ct);
        }
    }

    private static List<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var values) ? values.EnumerateArray().Select(v => v.GetString()!).ToList() : [];

    private static async Task<JsonDocument> LoadAsync(string name, CancellationToken ct)
    {
        await using var stream = typeof(DemoSeeder).Assembly.GetManifestResourceStream($"Demo.{name}")
            ?? throw new InvalidOperationException($"The demo file {name} is not embedded.");
        return await JsonDocument.ParseAsync(stream, default, ct);
    }
}
