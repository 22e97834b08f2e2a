using System.Text.Json;
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
        // Published once with the agenda, and again once the heads had taken their seats in the tour de table.
        Assert.Equal(2, full.GetProperty("version").GetInt32());
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
        Assert.Equal(49, ministerial.GetProperty("tourDeTable").GetArrayLength());
        var first = await (await organiser.GetAsync("/api/conferences/global-alliance-2012/agenda?version=1")).OkJsonAsync();
        Assert.False(AgendaKit.Sessions(first).Single(s => s.GetProperty("kind").GetString() == "Ministerial").TryGetProperty("tourDeTable", out var before) && before.GetArrayLength() > 0);
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

    [Fact]
    public async Task Seeding_gives_the_declarations_their_history_the_48_states_signed_at_the_ceremony_and_the_coalition_reporting_in_part()
    {
        var seeder = api.Services.GetRequiredService<DemoSeeder>();
        await seeder.SeedAsync();
        var organiser = api.Organiser();
        var anonymous = api.Anonymous();

        var alliance = Assert.Single((await (await anonymous.GetAsync("/api/conferences/global-alliance-2012/declarations")).OkJsonAsync()).EnumerateArray());
        var allianceId = alliance.GetProperty("id").GetGuid();
        var declaration = await (await anonymous.GetAsync($"/api/declarations/{allianceId}")).OkJsonAsync();
        Assert.Equal("OpenForSignature", declaration.GetProperty("status").GetString());
        Assert.StartsWith("2012-12-05T", declaration.GetProperty("adoptedAt").GetString());
        var ceremony = AgendaKit.Sessions(await (await anonymous.GetAsync("/api/conferences/global-alliance-2012/agenda")).OkJsonAsync())
            .Single(s => s.GetProperty("kind").GetString() == "SigningCeremony");
        Assert.Equal(ceremony.GetProperty("id").GetGuid(), declaration.GetProperty("signing").GetProperty("sessionId").GetGuid());
        Assert.Equal("2012-12-05T15:30:00Z", declaration.GetProperty("signing").GetProperty("opensAt").GetString());
        var indicator = declaration.GetProperty("commitments")[7].GetProperty("indicator");
        Assert.Equal("Growth of the Interpol database of child abuse material", indicator.GetProperty("name").GetString());
        Assert.Equal("percent per year", indicator.GetProperty("unit").GetString());

        // The register lists the 48 states, every one signed on the day in Brussels by its head; the Commission hosted.
        var register = await (await anonymous.GetAsync($"/api/declarations/{allianceId}/signatories")).OkJsonAsync();
        Assert.Equal(48, register.GetProperty("bound").GetInt32());
        var states = Assert.Single(register.GetProperty("groups").EnumerateArray());
        Assert.Equal("State", states.GetProperty("kind").GetString());
        var rows = states.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(48, rows.Select(r => r.GetProperty("party").GetProperty("code").GetString()).Distinct().Count());
        Assert.All(rows, r =>
        {
            Assert.Equal("Signed", r.GetProperty("status").GetString());
            Assert.Equal("2012-12-05", r.GetProperty("signature").GetProperty("date").GetString());
            Assert.Equal("Brussels", r.GetProperty("signature").GetProperty("place").GetString());
        });
        var us = rows.Single(r => r.GetProperty("party").GetProperty("code").GetString() == "US").GetProperty("signature");
        Assert.Equal("Eric Holder", us.GetProperty("signatory").GetString());
        Assert.Equal("Attorney General of the United States", us.GetProperty("function").GetString());

        // Project Protect: the seven named companies signed at the 2020 forum through members with confirmed full powers.
        var protect = Assert.Single((await (await anonymous.GetAsync("/api/conferences/tech-coalition-forum-2020/declarations")).OkJsonAsync()).EnumerateArray());
        var protectId = protect.GetProperty("id").GetGuid();
        var companies = Assert.Single((await (await anonymous.GetAsync($"/api/declarations/{protectId}/signatories")).OkJsonAsync()).GetProperty("groups").EnumerateArray());
        Assert.Equal("Company", companies.GetProperty("kind").GetString());
        Assert.Equal(
            ["Amazon", "Apple", "Facebook", "Google", "Microsoft", "Snapchat", "Twitter"],
            companies.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("party").GetProperty("name").GetString()).Order());
        Assert.All(companies.GetProperty("rows").EnumerateArray(), r => Assert.Equal("2020-11-17", r.GetProperty("signature").GetProperty("date").GetString()));
        var microsoft = (await (await organiser.GetAsync("/api/conferences/tech-coalition-forum-2020/delegations")).OkJsonAsync()).EnumerateArray()
            .Single(d => d.GetProperty("party").GetProperty("name").GetString() == "Microsoft");
        Assert.Contains(microsoft.GetProperty("members").EnumerateArray(), m =>
            m.GetProperty("hasFullPowers").GetBoolean() && m.GetProperty("fullPowers").GetProperty("confirmed").GetBoolean());

        // Progress shows who reported on 2020 and 2021 and who did not; the public sees the aggregate only.
        var years = (await (await organiser.GetAsync($"/api/declarations/{protectId}/progress")).OkJsonAsync()).GetProperty("years").EnumerateArray()
            .ToDictionary(y => y.GetProperty("year").GetInt32());
        Assert.Equal(2020, years.Keys.Min());
        static List<string?> Names(JsonElement year, string list) => year.GetProperty(list).EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order().ToList();
        Assert.Equal(7, years[2020].GetProperty("signatories").GetInt32());
        Assert.Equal(["Amazon", "Apple", "Facebook", "Google", "Microsoft"], Names(years[2020], "reporters"));
        Assert.Equal(["Snapchat", "Twitter"], Names(years[2020], "notReported"));
        Assert.Equal(["Amazon", "Facebook", "Google", "Twitter"], Names(years[2021], "reporters"));
        Assert.Equal(["Apple", "Microsoft", "Snapchat"], Names(years[2021], "notReported"));
        var measured = years[2021].GetProperty("commitments")[4];
        Assert.Equal("Members that published an annual progress report", measured.GetProperty("indicator").GetProperty("name").GetString());
        Assert.Equal(4, measured.GetProperty("indicatorValues").GetInt32());
        var publicYear = await (await anonymous.GetAsync($"/api/declarations/{protectId}/progress?year=2020")).OkJsonAsync();
        Assert.Equal(5, publicYear.GetProperty("reported").GetInt32());
        Assert.False(publicYear.TryGetProperty("reporters", out _));

        // Seeding again changes neither declaration.
        var before = (await organiser.GetStringAsync($"/api/declarations/{allianceId}"), await organiser.GetStringAsync($"/api/declarations/{protectId}/progress"));
        await seeder.SeedAsync();
        Assert.Equal(before, (await organiser.GetStringAsync($"/api/declarations/{allianceId}"), await organiser.GetStringAsync($"/api/declarations/{protectId}/progress")));
    }
}
