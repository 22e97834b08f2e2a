using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Forum.Api.Calendars;
using Forum.Api.Demo;
using Forum.Api.Tests.Agenda;
using Forum.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Extensions;

namespace Forum.Api.Tests.Calendars;

[Collection(ApiCollection.Name)]
public sealed class DemoFeedTests(ApiFixture api)
{
    private const string Slug = "global-alliance-2012";

    [Fact]
    public async Task Ical_js_reads_every_feed_of_the_demo_and_every_event_is_at_the_agenda_s_instant()
    {
        var (sessions, paths, bodies) = await DemoFeedsAsync();
        var parsed = await IcalJs.ParseAllAsync(bodies);

        Assert.Equal(9, parsed[0].GetProperty("events").GetArrayLength());
        var events = 0;
        foreach (var feed in parsed.EnumerateArray())
        {
            Assert.Equal(["Europe/Brussels"], feed.GetProperty("timezones").EnumerateArray().Select(t => t.GetString()!).ToArray());
            foreach (var e in feed.GetProperty("events").EnumerateArray())
            {
                var session = sessions[e.GetProperty("uid").GetString()!];
                Assert.Equal(session.Start, Instant(e, "start"));
                Assert.Equal(session.End, Instant(e, "end"));
                events++;
            }
        }

        Assert.True(paths.Count > 150, $"{paths.Count} feeds");
        Assert.True(events > paths.Count, $"{events} events in {paths.Count} feeds");
    }

    [Fact]
    public async Task Ical_Net_reads_every_feed_of_the_demo_and_every_event_is_at_the_agenda_s_instant()
    {
        var (sessions, paths, bodies) = await DemoFeedsAsync();

        var events = 0;
        foreach (var (body, path) in bodies.Zip(paths))
        {
            var calendar = IcalNet.Load(body);
            Assert.Equal(["Europe/Brussels"], calendar.TimeZones.Select(z => z.TzId!).ToArray());
            Assert.False(string.IsNullOrEmpty(calendar.Properties["X-WR-CALNAME"]?.Value as string), $"{path} has a name");
            foreach (var e in calendar.Events)
            {
                var session = sessions[e.Uid!];
                Assert.Equal(session.Title, e.Summary);
                Assert.Equal("Europe/Brussels", e.DtStart!.TzId);
                // Ical.Net takes the TZID to its own copy of the IANA database ...
                Assert.Equal(session.Start.UtcDateTime, e.DtStart.AsUtc);
                Assert.Equal(session.End.UtcDateTime, e.DtEnd!.AsUtc);
                // ... and the feed's VTIMEZONE, as Ical.Net evaluates its rules, gives the same instants.
                Assert.Equal(session.Start.ToInstant(), IcalNet.InstantIn(calendar, "Europe/Brussels", LocalDateTime.FromDateTime(e.DtStart.Value)));
                Assert.Equal(session.End.ToInstant(), IcalNet.InstantIn(calendar, "Europe/Brussels", LocalDateTime.FromDateTime(e.DtEnd.Value)));
                events++;
            }

            if (path == $"/calendars/{Slug}.ics")
            {
                Assert.Equal(9, calendar.Events.Count);
            }
        }

        Assert.True(paths.Count > 150, $"{paths.Count} feeds");
        Assert.True(events > paths.Count, $"{events} events in {paths.Count} feeds");
    }

    /// <summary>
    /// The demo seeded; the agenda's sessions by id; and every feed of it (the public one, every delegation's and every
    /// member's, as their focal points get them) fetched over HTTP once the daemon has rendered each with events.
    /// </summary>
    private async Task<(Dictionary<string, (DateTimeOffset Start, DateTimeOffset End, string Title)> Sessions, List<string> Paths, List<byte[]> Bodies)> DemoFeedsAsync()
    {
        await api.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        var organiser = api.Organiser();
        var sessions = AgendaKit.Sessions(await (await organiser.GetAsync($"/api/conferences/{Slug}/agenda")).OkJsonAsync())
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => (Start: Instant(s, "startUtc"), End: Instant(s, "endUtc"), Title: s.GetProperty("title").GetString()!));

        var calendars = api.Services.GetRequiredService<CalendarService>();
        var request = new DefaultHttpContext().Request;
        request.Scheme = "http";
        request.Host = new HostString("localhost");
        var paths = new List<string> { $"/calendars/{Slug}.ics" };
        foreach (var delegation in (await (await organiser.GetAsync($"/api/conferences/{Slug}/delegations")).OkJsonAsync()).EnumerateArray())
        {
            var feeds = await calendars.FeedsAsync(delegation.GetProperty("id").GetGuid(), request, "test:demo-feeds", CancellationToken.None);
            paths.Add(new Uri(feeds.Delegation.Https).AbsolutePath);
            paths.AddRange(feeds.Members.Select(m => new Uri(m.Feed.Https).AbsolutePath));
        }

        // The daemon renders them: read until each feed holds its events (each delegation's, the ministerial session at least).
        var client = api.Anonymous();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var bodies = new List<byte[]>();
            foreach (var path in paths)
            {
                bodies.Add(await client.GetByteArrayAsync(path));
            }

            if (bodies.All(b => b.AsSpan().IndexOf("BEGIN:VEVENT"u8) >= 0))
            {
                return (sessions, paths, bodies);
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the demo's feeds were not all rendered within a minute");
            await Task.Delay(200);
        }
    }

    private static DateTimeOffset Instant(JsonElement element, string property) =>
        DateTimeOffset.Parse(element.GetProperty(property).GetString()!, CultureInfo.InvariantCulture);
}
