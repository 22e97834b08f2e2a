using System.Text.Json;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;

namespace Forum.Api.Demo;

/// <summary>
/// Seeds the demo facts (shared/demo, embedded) through the application's own commands, idempotently:
/// each step looks first and does only what is missing, so a second run changes nothing.
/// </summary>
public sealed class DemoSeeder(ConferenceService conferences, AgendaService agenda, DelegationService delegations, ILogger<DemoSeeder> logger)
{
    private const string Actor = "system:demo-seed";
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task SeedAsync(CancellationToken ct = default)
    {
        await SeedGlobalAllianceAsync(ct);
        await SeedTechnologyCoalitionAsync(ct);
        logger.LogInformation("Demo data is in place");
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
    }

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
