using System.Text.Json;
using Forum.Api.Agenda;
using Forum.Api.Conferences;

namespace Forum.Api.Demo;

/// <summary>
/// Seeds the demo facts (shared/demo, embedded) through the application's own commands, idempotently:
/// each step looks first and does only what is missing, so a second run changes nothing.
/// </summary>
public sealed class DemoSeeder(ConferenceService conferences, AgendaService agenda, ILogger<DemoSeeder> logger)
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
    }

    private async Task SeedTechnologyCoalitionAsync(CancellationToken ct)
    {
        using var demo = await LoadAsync("technology-coalition.json", ct);
        var s = demo.RootElement.GetProperty("series");
        var seriesSlug = s.GetProperty("slug").GetString()!;
        if (await conferences.GetSeriesAsync(seriesSlug, ct) is null)
        {
            await conferences.CreateSeriesAsync(new CreateSeriesRequest(seriesSlug, s.GetProperty("name").GetString(), s.GetProperty("description").GetString()), Actor, ct);
        }

        foreach (var edition in demo.RootElement.GetProperty("editions").EnumerateArray())
        {
            await EnsureConferenceAsync(edition, seriesSlug, ct);
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
