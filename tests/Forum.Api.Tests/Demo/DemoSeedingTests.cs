using Forum.Api.Demo;
using Forum.Api.Tests.Agenda;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Demo;

[Collection(ApiCollection.Name)]
public sealed class DemoSeedingTests(ApiFixture api)
{
    [Fact]
    public async Task Seeding_twice_gives_the_demo_conference_its_published_agenda_and_the_series_its_editions_once()
    {
        var seeder = api.Services.GetRequiredService<DemoSeeder>();
        await seeder.SeedAsync();
        var organiser = api.Organiser();
        var historyAfterFirst = (await (await organiser.GetAsync("/api/conferences/global-alliance-2012/history")).OkJsonAsync()).GetArrayLength();
        var delegationsAfterFirst = await organiser.GetStringAsync("/api/conferences/global-alliance-2012/delegations");
        await seeder.SeedAsync();
        Assert.Equal(delegationsAfterFirst, await organiser.GetStringAsync("/api/conferences/global-alliance-2012/delegations"));
        Assert.Equal(historyAfterFirst, (await (await organiser.GetAsync("/api/conferences/global-alliance-2012/history")).OkJsonAsync()).GetArrayLength());

        var anonymous = api.Anonymous();
        var conference = await (await anonymous.GetAsync("/api/conferences/global-alliance-2012")).OkJsonAsync();
        Assert.Equal("Brussels", conference.GetProperty("venue").GetProperty("city").GetString());
        Assert.Equal("RegistrationOpen", conference.GetProperty("status").GetString());

        var full = await (await organiser.GetAsync("/api/conferences/global-alliance-2012/agenda")).OkJsonAsync();
        Assert.Equal(1, full.GetProperty("version").GetInt32());
        var sessions = AgendaKit.Sessions(full).ToList();
        Assert.Equal(9, sessions.Count);
        Assert.Equal(4, full.GetProperty("rooms").GetArrayLength());
        var ministerial = sessions.Single(s => s.GetProperty("kind").GetString() == "Ministerial");
        Assert.False(ministerial.GetProperty("isPublic").GetBoolean());
        Assert.Equal("Cecilia Malmström", ministerial.GetProperty("chair").GetString());
        Assert.Equal("2012-12-05T09:30:00Z", ministerial.GetProperty("startUtc").GetString());
        var publicSessions = AgendaKit.Sessions(await (await anonymous.GetAsync("/api/conferences/global-alliance-2012/agenda")).OkJsonAsync()).ToList();
        Assert.Equal(9, publicSessions.Count);
        Assert.Single(publicSessions, s => !s.GetProperty("isPublic").GetBoolean());

        var delegations = (await (await organiser.GetAsync("/api/conferences/global-alliance-2012/delegations")).OkJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(49, delegations.Count);
        Assert.Equal(48, delegations.Count(d => d.GetProperty("party").GetProperty("kind").GetString() == "State"));
        Assert.Contains(delegations, d => d.GetProperty("party").GetProperty("name").GetString() == "European Commission");
        var members = delegations.SelectMany(d => d.GetProperty("members").EnumerateArray()).ToList();
        Assert.All(members, m => Assert.Equal("Approved", m.GetProperty("accreditation").GetProperty("status").GetString()));
        Assert.All(members, m => Assert.Equal("Admitted", m.GetProperty("place").GetProperty("status").GetString()));
        Assert.All(delegations, d =>
        {
            var heads = d.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("isHead").GetBoolean()).ToList();
            Assert.True(Assert.Single(heads).GetProperty("isMinisterialRank").GetBoolean());
            Assert.InRange(d.GetProperty("members").GetArrayLength(), 2, 3);
        });
        var holder = members.Single(m => m.GetProperty("name").GetString() == "Eric Holder");
        Assert.Equal("Attorney General of the United States", holder.GetProperty("function").GetString());
        Assert.Contains(members, m => m.GetProperty("name").GetString() == "Cecilia Malmström");

        // Every head sits in the ministerial session and asked for the floor; each adviser sits in a workshop.
        var ministerialId = ministerial.GetProperty("id").GetGuid();
        var tour = (await (await organiser.GetAsync($"/api/conferences/global-alliance-2012/sessions/{ministerialId}/speaking-order")).OkJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(49, tour.Count);
        Assert.All(tour, t => Assert.True(t.GetProperty("isHead").GetBoolean()));
        Assert.Equal(Enumerable.Range(1, 49), tour.Select(t => t.GetProperty("turn").GetInt32()));
        var workshops = sessions.Where(s => s.GetProperty("kind").GetString() == "Workshop").Select(s => s.GetProperty("id").GetGuid()).ToHashSet();
        Assert.All(members.Where(m => !m.GetProperty("isHead").GetBoolean()), m =>
            Assert.Contains(m.GetProperty("seats").EnumerateArray(), seat => workshops.Contains(seat.GetProperty("sessionId").GetGuid()) && seat.GetProperty("status").GetString() == "Held"));

        foreach (var edition in new[] { "tech-coalition-forum-2020", "tech-coalition-forum-2021" })
        {
            var parties = (await (await organiser.GetAsync($"/api/conferences/{edition}/delegations")).OkJsonAsync()).EnumerateArray()
                .Select(d => d.GetProperty("party").GetProperty("name").GetString()).ToList();
            Assert.Equal(10, parties.Count);
            Assert.Contains("Microsoft", parties);
            Assert.Contains("UNICEF", parties);
        }

        var series = await (await anonymous.GetAsync("/api/series/tech-coalition-forum")).OkJsonAsync();
        Assert.Equal(["tech-coalition-forum-2020", "tech-coalition-forum-2021"], series.GetProperty("editions").EnumerateArray().Select(e => e.GetProperty("slug").GetString()));
    }
}
