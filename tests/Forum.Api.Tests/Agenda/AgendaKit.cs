using System.Text.Json;
using Forum.Api.Tests.Conferences;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Agenda;

/// <summary>A fresh conference with rooms, for one test.</summary>
public sealed class AgendaKit
{
    private AgendaKit(HttpClient organiser, string slug)
    {
        Organiser = organiser;
        Slug = slug;
    }

    public HttpClient Organiser { get; }

    public string Slug { get; }

    public Dictionary<string, Guid> Rooms { get; } = new(StringComparer.Ordinal);

    public string Url(string path) => $"/api/conferences/{Slug}{path}";

    public static async Task<AgendaKit> CreateAsync(ApiFixture api, string firstDay = "2012-12-05", string lastDay = "2012-12-05", bool publish = true, string timeZone = "Europe/Brussels")
    {
        var kit = new AgendaKit(api.Organiser(), ApiFixture.NewSlug());
        await (await kit.Organiser.PostJsonAsync("/api/conferences", ConferenceRequests.NewConference(kit.Slug, firstDay: firstDay, lastDay: lastDay, timeZone: timeZone))).OkJsonAsync(201);
        if (publish)
        {
            await (await kit.Organiser.PostJsonAsync(kit.Url("/publish"), null)).OkJsonAsync();
        }

        foreach (var (name, capacity) in new[] { ("Plenary Hall", 300), ("Room 2", 80), ("Press Room", 60) })
        {
            var room = await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name, capacity, interpretation = new[] { "en", "fr" } })).OkJsonAsync(201);
            kit.Rooms[name] = room.GetProperty("id").GetGuid();
        }

        return kit;
    }

    public object Session(string title, string start, string end, string room = "Plenary Hall", string kind = "Plenary", string? chair = null, string[]? speakers = null, bool isPublic = true, int? expectedAttendance = null, string? day = "2012-12-05", bool? listed = null)
        => new
    {
        kind,
        title,
        description = $"About {title}",
        roomId = Rooms[room],
        start = day is null ? start : $"{day}T{start}",
        end = day is null ? end : $"{day}T{end}",
        chair,
        speakers = speakers ?? [],
        isPublic,
        expectedAttendance,
        listed,
    };

    public Task<HttpResponseMessage> ScheduleAsync(object session) => Organiser.PostJsonAsync(Url("/sessions"), session);

    public async Task<JsonElement> ScheduledAsync(object session) => await (await ScheduleAsync(session)).OkJsonAsync(201);

    public Task<HttpResponseMessage> ChangeAsync(Guid id, object session, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, Url($"/sessions/{id}")) { Content = System.Net.Http.Json.JsonContent.Create(session) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Organiser.SendAsync(request);
    }

    public async Task<int> PublishAsync() =>
        (await (await Organiser.PostJsonAsync(Url("/agenda/publish"), null)).OkJsonAsync()).GetProperty("version").GetInt32();

    public static IEnumerable<JsonElement> Sessions(JsonElement agenda) =>
        agenda.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateArray()).SelectMany(r => r.GetProperty("sessions").EnumerateArray());
}
