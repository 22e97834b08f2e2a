using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Forum.Api.Calendars;
using Forum.Api.Demo;
using Forum.Api.Tests.Agenda;
using Forum.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Calendars;

[Collection(ApiCollection.Name)]
public sealed class DemoFeedTests(ApiFixture api)
{
    [Fact]
    public async Task Ical_js_reads_every_feed_of_the_demo_and_every_event_is_at_the_agenda_s_instant()
    {
        await api.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        const string slug = "global-alliance-2012";
        var organiser = api.Organiser();
        var sessions = AgendaKit.Sessions(await (await organiser.GetAsync($"/api/conferences/{slug}/agenda")).OkJsonAsync())
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => (Start: Instant(s, "startUtc"), End: Instant(s, "endUtc")));

        // Every delegation's feed and every member's, as their focal points get them.
        var calendars = api.Services.GetRequiredService<CalendarService>();
        var request = new DefaultHttpContext().Request;
        request.Scheme = "http";
        request.Host = new HostString("localhost");
        var paths = new List<string> { $"/calendars/{slug}.ics" };
        foreach (var delegation in (await (await organiser.GetAsync($"/api/conferences/{slug}/delegations")).OkJsonAsync()).EnumerateArray())
        {
            var feeds = await calendars.FeedsAsync(delegation.GetProperty("id").GetGuid(), request, "test:demo-feeds", CancellationToken.None);
            paths.Add(new Uri(feeds.Delegation.Https).AbsolutePath);
            paths.AddRange(feeds.Members.Select(m => new Uri(m.Feed.Https).AbsolutePath));
        }

        // The daemon renders them: read until each delegation's feed holds its seats (the ministerial session at least).
        var client = api.Anonymous();
        var deadline = Stopwatch.StartNew();
        List<byte[]> bodies;
        JsonElement parsed;
        while (true)
        {
            bodies = [];
            foreach (var path in paths)
            {
                bodies.Add(await client.GetByteArrayAsync(path));
            }

            parsed = await IcalJs.ParseAllAsync(bodies);
            if (parsed.EnumerateArray().All(f => f.GetProperty("events").GetArrayLength() > 0))
            {
                break;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the demo's feeds were not all rendered within a minute");
            await Task.Delay(200);
        }

        Assert.Equal(9, parsed[0].GetProperty("events").GetArrayLength());
        var events = 0;
        foreach (var feed in parsed.EnumerateArray())
        {
            Assert.Equal(["Europe/Brussels"], feed.GetProperty("timezones").EnumerateArray().Select(t => t.GetString()!).ToArray());
            foreach (var e in feed.GetProperty("events").EnumerateArray())
            {
                var (start, end) = sessions[e.GetProperty("uid").GetString()!];
                Assert.Equal(start, Instant(e, "start"));
                Assert.Equal(end, Instant(e, "end"));
                events++;
            }
        }

        Assert.True(paths.Count > 150, $"{paths.Count} feeds");
        Assert.True(events > paths.Count, $"{events} events in {paths.Count} feeds");
    }

    private static DateTimeOffset Instant(JsonElement element, string property) =>
        DateTimeOffset.Parse(element.GetProperty(property).GetString()!, CultureInfo.InvariantCulture);
}
