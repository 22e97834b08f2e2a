using System.Text.Json;
using System.Xml.Linq;
using Forum.Api.Agenda;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Agenda;

/// <summary>The frab exports as the API serves them, checked against c3voc's schemas (schemas/).</summary>
[Collection(ApiCollection.Name)]
public sealed class FrabExportTests(ApiFixture api)
{
    [Fact]
    public async Task The_published_schedule_json_and_xml_validate_against_the_c3voc_schemas_with_every_kind_a_closed_and_a_cancelled_session()
    {
        var kit = await AgendaKit.CreateAsync(api);
        var kinds = Enum.GetNames<SessionKind>();
        var slot = 0;
        string At(int s) => $"{9 + (s / 2):00}:{(s % 2) * 30:00}";
        foreach (var kind in kinds)
        {
            // One after the other in the plenary hall; the ministerial session is closed, as its kind wants.
            await kit.ScheduledAsync(kit.Session(
                $"{kind} on child protection online", At(slot), At(slot + 1), kind: kind, chair: "Cecilia Malmström",
                speakers: kind is "Break" or "Social" ? [] : ["Eric Holder", "Ana Pérez"], isPublic: kind != "Ministerial"));
            slot++;
        }

        var cancelled = await kit.ScheduledAsync(kit.Session("Withdrawn workshop", "09:00", "10:00", room: "Room 2", kind: "Workshop", speakers: ["Zoë Cancelled"]));
        await (await kit.Organiser.PostJsonAsync(kit.Url($"/sessions/{cancelled.GetProperty("id").GetGuid()}/cancel"), new { reason = "Speaker unavailable" })).OkJsonAsync();
        await kit.PublishAsync();

        var anonymous = api.Anonymous();
        var json = await (await anonymous.GetAsync(kit.Url("/schedule.json"))).Content.ReadAsStringAsync();
        await FrabJsonSchema.AssertValidAsync(json);

        using var document = JsonDocument.Parse(json);
        var conference = document.RootElement.GetProperty("schedule").GetProperty("conference");
        Assert.Equal(kit.Slug.Replace('-', '_'), conference.GetProperty("acronym").GetString());
        var events = conference.GetProperty("days").EnumerateArray()
            .SelectMany(d => d.GetProperty("rooms").EnumerateObject().SelectMany(r => r.Value.EnumerateArray())).ToList();
        Assert.Equal(kinds.Length, events.Count);
        Assert.DoesNotContain(events, e => e.GetProperty("title").GetString() == "Withdrawn workshop");
        Assert.All(events, e => Assert.StartsWith("http://", e.GetProperty("url").GetString(), StringComparison.Ordinal));
        var closed = events.Single(e => e.GetProperty("type").GetString() == "Ministerial");
        Assert.Equal("Closed session (by invitation only).", closed.GetProperty("abstract").GetString());
        Assert.Contains(events, e => e.GetProperty("persons").EnumerateArray().Any(p => p.GetProperty("public_name").GetString() == "Ana Pérez"));

        // The XML against c3voc's XSD, which has an event url: each event carries the same as in the JSON.
        var xml = await (await anonymous.GetAsync(kit.Url("/schedule.xml"))).Content.ReadAsStringAsync();
        var file = Path.Combine(Path.GetTempPath(), $"frab-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(file, xml);
        try
        {
            var (exitCode, output) = FrabScheduleTests.Xmllint("--noout", "--schema", Path.Combine(FrabScheduleTests.RepositoryRoot(), "schemas", "frab-schedule.xsd"), file);
            Assert.True(exitCode == 0, $"xmllint exited with {exitCode}:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }

        var xmlUrls = XDocument.Parse(xml).Root!.Elements("day").Elements("room").Elements("event")
            .ToDictionary(e => e.Attribute("guid")!.Value, e => e.Element("url")!.Value);
        Assert.Equal(events.ToDictionary(e => e.GetProperty("guid").GetString()!, e => e.GetProperty("url").GetString()!), xmlUrls);
    }
}
