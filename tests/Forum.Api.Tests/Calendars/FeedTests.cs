using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Calendars;

[Collection(ApiCollection.Name)]
public sealed class FeedTests(ApiFixture api)
{
    private sealed record Conference(DelegationKit Kit, Guid Plenary, Guid Ministerial, Guid Hidden, Guid Workshop);

    /// <summary>A conference open for registration with a public plenary, a ministerial session, an unlisted closed meeting and a workshop; the agenda published.</summary>
    private async Task<Conference> ConferenceAsync()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var room = await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name = "Plenary Hall", capacity = 300, interpretation = new[] { "en" } })).OkJsonAsync(201);
        var roomId = room.GetProperty("id").GetGuid();
        async Task<Guid> Session(string kind, string title, string start, string end, bool isPublic, bool? listed = null) =>
            (await (await kit.Organiser.PostJsonAsync(kit.Url("/sessions"), new
            {
                kind, title, description = $"About {title}; with commas, semicolons", roomId, start = $"2012-12-05T{start}", end = $"2012-12-05T{end}",
                chair = "Cecilia Malmström", speakers = Array.Empty<string>(), isPublic, listed,
            })).OkJsonAsync(201)).GetProperty("id").GetGuid();
        var conference = new Conference(
            kit,
            await Session("Plenary", "Opening 🎉 of the conference", "09:30", "10:15", true),
            await Session("Ministerial", "Ministerial session", "10:30", "12:30", false),
            await Session("SideEvent", "Unlisted meeting", "13:00", "13:30", false, listed: false),
            await Session("Workshop", "Identifying victims", "13:30", "15:00", true));
        await PublishAsync(kit);
        return conference;
    }

    private static async Task PublishAsync(DelegationKit kit) => await (await kit.Organiser.PostJsonAsync(kit.Url("/agenda/publish"), null)).OkJsonAsync();

    private static async Task<Registered> AccreditedAsync(DelegationKit kit, string code)
    {
        var delegation = await kit.RegisterAsync(DelegationKit.State(code, advisers: 1));
        foreach (var member in delegation.Body.GetProperty("members").EnumerateArray())
        {
            await (await kit.Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{member.GetProperty("id").GetGuid()}/accreditation"), new { decision = "approve" })).OkJsonAsync();
        }

        return delegation;
    }

    /// <summary>Reads a feed until it satisfies the condition (the feeds are rendered by the projection daemon), within a deadline.</summary>
    private async Task<(byte[] Body, JsonElement Parsed, HttpResponseMessage Response)> FeedUntilAsync(string url, Func<JsonElement, bool> condition)
    {
        var client = api.Anonymous();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsByteArrayAsync();
            var parsed = await IcalJs.ParseAsync(body);
            if (condition(parsed))
            {
                return (body, parsed, response);
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"the feed {url} did not change as expected:\n{Encoding.UTF8.GetString(body)}");
            await Task.Delay(100);
        }
    }

    private static JsonElement Event(JsonElement feed, Guid session) => feed.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("uid").GetString() == session.ToString());

    private static IEnumerable<string> Uids(JsonElement feed) => feed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("uid").GetString()!);

    [Fact]
    public async Task The_public_feed_lists_the_published_agenda_at_its_true_instants_with_closed_sessions_marked_closed()
    {
        var c = await ConferenceAsync();
        var url = $"/calendars/{c.Kit.Slug}.ics";
        var (body, feed, response) = await FeedUntilAsync(url, f => f.GetProperty("events").GetArrayLength() > 0);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("PUBLISH", feed.GetProperty("method").GetString());
        Assert.Equal(["Europe/Brussels"], feed.GetProperty("timezones").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal(new[] { c.Plenary, c.Ministerial, c.Workshop }.Select(i => i.ToString()).Order(), Uids(feed).Order());

        var agenda = await (await c.Kit.Anonymous.GetAsync(c.Kit.Url("/agenda"))).OkJsonAsync();
        foreach (var session in Agenda.AgendaKit.Sessions(agenda))
        {
            var e = Event(feed, session.GetProperty("id").GetGuid());
            Assert.Equal(DateTimeOffset.Parse(session.GetProperty("startUtc").GetString()!, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(e.GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, e.GetProperty("attendees").GetInt32());
            Assert.False(e.GetProperty("hasDuration").GetBoolean());
            Assert.StartsWith("mailto:", e.GetProperty("organizer").GetString(), StringComparison.Ordinal);
        }

        var ministerial = Event(feed, c.Ministerial);
        Assert.Equal("CONFIDENTIAL", ministerial.GetProperty("class").GetString());
        Assert.DoesNotContain("About", ministerial.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("closed session", ministerial.GetProperty("description").GetString(), StringComparison.Ordinal);
        var plenary = Event(feed, c.Plenary);
        Assert.Equal("Opening 🎉 of the conference", plenary.GetProperty("summary").GetString());
        Assert.Equal("PUBLIC", plenary.GetProperty("class").GetString());
        Assert.Contains("About Opening 🎉 of the conference; with commas, semicolons", plenary.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Plenary Hall, Conference centre, Brussels", plenary.GetProperty("location").GetString());
        Assert.Equal("Plenary", plenary.GetProperty("categories").GetString());
        var text = Encoding.UTF8.GetString(body);
        Assert.Contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", text, StringComparison.Ordinal);
        Assert.Contains("X-PUBLISHED-TTL:PT1H\r\n", text, StringComparison.Ordinal);
        Assert.Contains("X-WR-TIMEZONE:Europe/Brussels\r\n", text, StringComparison.Ordinal);

        // Conditional requests, HEAD, gzip.
        var etag = response.Headers.ETag!;
        var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await api.Anonymous().SendAsync(conditional)).StatusCode);
        var head = await api.Anonymous().SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(etag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        var zipped = new HttpRequestMessage(HttpMethod.Get, url);
        zipped.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var gzipResponse = await api.Anonymous().SendAsync(zipped);
        Assert.Equal("gzip", Assert.Single(gzipResponse.Content.Headers.ContentEncoding));
        await using var unzip = new GZipStream(await gzipResponse.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await unzip.CopyToAsync(plain);
        Assert.Equal(body, plain.ToArray());

        var resource = await (await c.Kit.Anonymous.GetAsync(c.Kit.Url())).OkJsonAsync();
        Assert.EndsWith(url, resource.GetProperty("calendar").GetProperty("https").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("webcal://", resource.GetProperty("calendar").GetProperty("webcal").GetString(), StringComparison.Ordinal);
        await (await api.Anonymous().GetAsync("/calendars/no-such-conference.ics")).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task A_changed_session_raises_its_sequence_and_a_cancelled_one_stays_cancelled_under_the_same_UID()
    {
        var c = await ConferenceAsync();
        var url = $"/calendars/{c.Kit.Slug}.ics";
        var (_, before, response) = await FeedUntilAsync(url, f => f.GetProperty("events").GetArrayLength() > 0);
        var workshop = Event(before, c.Workshop);
        Assert.Equal(0, workshop.GetProperty("sequence").GetInt32());

        var change = await (await c.Kit.Organiser.GetAsync(c.Kit.Url($"/sessions/{c.Workshop}"))).OkJsonAsync();
        await (await DelegationKit.SendJsonAsync(c.Kit.Organiser, HttpMethod.Put, c.Kit.Url($"/sessions/{c.Workshop}"), new
        {
            kind = "Workshop", title = "Identifying victims", description = "About Identifying victims; with commas, semicolons", roomId = change.GetProperty("roomId").GetGuid(),
            start = "2012-12-05T14:00", end = "2012-12-05T15:30", chair = "Cecilia Malmström", speakers = Array.Empty<string>(), isPublic = true,
        })).OkJsonAsync();
        await PublishAsync(c.Kit);
        var (_, moved, movedResponse) = await FeedUntilAsync(url, f => Event(f, c.Workshop).GetProperty("sequence").GetInt32() == 1);
        Assert.NotEqual(response.Headers.ETag, movedResponse.Headers.ETag);
        Assert.Equal("2012-12-05T13:00:00.000Z", Event(moved, c.Workshop).GetProperty("start").GetString());
        Assert.Equal(0, Event(moved, c.Plenary).GetProperty("sequence").GetInt32());

        await (await c.Kit.Organiser.PostJsonAsync(c.Kit.Url($"/sessions/{c.Workshop}/cancel"), new { reason = "The trainer is ill." })).OkJsonAsync();
        await PublishAsync(c.Kit);
        var (_, cancelled, _) = await FeedUntilAsync(url, f => Event(f, c.Workshop).GetProperty("status").GetString() == "CANCELLED");
        Assert.Equal(2, Event(cancelled, c.Workshop).GetProperty("sequence").GetInt32());
        Assert.Contains("The trainer is ill.", Event(cancelled, c.Workshop).GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delegation_and_personal_feeds_follow_seats_and_a_rotated_token_answers_404()
    {
        var c = await ConferenceAsync();
        var belgium = await AccreditedAsync(c.Kit, "BE");
        var france = await AccreditedAsync(c.Kit, "FR");
        var focalPoint = c.Kit.FocalPointClient(belgium);
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(belgium.Id, "/seats"), new { sessionId = c.Ministerial, memberIds = new[] { belgium.MemberId(0) }, requestsFloor = true })).OkJsonAsync();
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(belgium.Id, "/seats"), new { sessionId = c.Workshop, memberIds = new[] { belgium.MemberId(1) } })).OkJsonAsync();
        await (await c.Kit.FocalPointClient(france).PostJsonAsync(DelegationKit.DelegationUrl(france.Id, "/seats"), new { sessionId = c.Ministerial, memberIds = new[] { france.MemberId(0) }, requestsFloor = true })).OkJsonAsync();

        var feedsResponse = await focalPoint.GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"));
        var feeds = await feedsResponse.OkJsonAsync();
        Assert.Equal("no-store", feedsResponse.Headers.CacheControl?.ToString());
        await (await c.Kit.FocalPointClient(france).GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"))).ProblemAsync(404, "not_found");
        await (await c.Kit.Organiser.GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"))).ProblemAsync(403, "forbidden");
        var again = await (await focalPoint.GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"))).OkJsonAsync();
        Assert.Equal(feeds.GetProperty("delegation").GetProperty("https").GetString(), again.GetProperty("delegation").GetProperty("https").GetString());

        string PathOf(JsonElement links) => new Uri(links.GetProperty("https").GetString()!).AbsolutePath;
        var delegationUrl = PathOf(feeds.GetProperty("delegation"));
        var heads = feeds.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("memberId").GetGuid(), m => PathOf(m.GetProperty("feed")));
        Assert.StartsWith("webcal://", feeds.GetProperty("delegation").GetProperty("webcal").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F", feeds.GetProperty("delegation").GetProperty("google").GetString(), StringComparison.Ordinal);

        // The feeds are rendered by the daemon: Belgium's seats may show before France's floor request reaches the tour.
        var (_, delegationFeed, _) = await FeedUntilAsync(delegationUrl, f => f.GetProperty("events").GetArrayLength() == 2
            && Event(f, c.Ministerial).GetProperty("description").GetString()!.Contains("Speaking order: 1. Belgium; 2. France", StringComparison.Ordinal));
        Assert.Equal("PUBLISH", delegationFeed.GetProperty("method").GetString());
        Assert.Equal("CONFIDENTIAL", Event(delegationFeed, c.Ministerial).GetProperty("class").GetString());

        var (_, headFeed, _) = await FeedUntilAsync(heads[belgium.MemberId(0)], f => f.GetProperty("events").GetArrayLength() == 1);
        Assert.True(headFeed.GetProperty("method").ValueKind == JsonValueKind.Null);
        Assert.Equal([c.Ministerial.ToString()], Uids(headFeed).ToArray());
        Assert.Equal(0, Event(headFeed, c.Ministerial).GetProperty("attendees").GetInt32());
        Assert.True(Event(headFeed, c.Ministerial).GetProperty("organizer").ValueKind == JsonValueKind.Null);

        // A seat given back leaves the personal feed.
        await (await focalPoint.DeleteAsync(DelegationKit.DelegationUrl(belgium.Id, $"/seats/{c.Workshop}/{belgium.MemberId(1)}"))).OkJsonAsync();
        await FeedUntilAsync(heads[belgium.MemberId(1)], f => f.GetProperty("events").GetArrayLength() == 0);
        await FeedUntilAsync(delegationUrl, f => f.GetProperty("events").GetArrayLength() == 1);

        // Rotation: the old addresses are gone at once, the new ones work.
        var rotated = await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds/rotate"), null)).OkJsonAsync();
        await (await api.Anonymous().GetAsync(delegationUrl)).ProblemAsync(404, "not_found");
        await (await api.Anonymous().GetAsync(heads[belgium.MemberId(0)])).ProblemAsync(404, "not_found");
        await FeedUntilAsync(PathOf(rotated.GetProperty("delegation")), f => f.GetProperty("events").GetArrayLength() == 1);

        // A delegation token is not a personal one, and a malformed one is nobody's.
        var newDelegation = PathOf(rotated.GetProperty("delegation"));
        await (await api.Anonymous().GetAsync(newDelegation.Replace("/delegations/", "/people/", StringComparison.Ordinal))).ProblemAsync(404, "not_found");
        await (await api.Anonymous().GetAsync("/calendars/people/not-a-token.ics")).ProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task A_feed_subscribed_before_its_first_rendering_names_itself_as_the_full_one_will()
    {
        // A public conference whose agenda is not published yet, and a delegation whose feeds the daemon has not rendered.
        var kit = await DelegationKit.CreateAsync(api);
        var title = (await (await kit.Organiser.GetAsync(kit.Url())).OkJsonAsync()).GetProperty("title").GetString()!;
        var belgium = await AccreditedAsync(kit, "BE");
        var focalPoint = kit.FocalPointClient(belgium);
        var feeds = await (await focalPoint.GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"))).OkJsonAsync();
        string PathOf(JsonElement links) => new Uri(links.GetProperty("https").GetString()!).AbsolutePath;
        var head = feeds.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("memberId").GetGuid() == belgium.MemberId(0));
        var named = new (string Path, string Name)[]
        {
            ($"/calendars/{kit.Slug}.ics", title),
            (PathOf(feeds.GetProperty("delegation")), $"{title}: Belgium"),
            (PathOf(head.GetProperty("feed")), $"{title}: my sessions"),
        };

        var empty = new List<string>();
        var tags = new HashSet<string>();
        foreach (var (path, name) in named)
        {
            // Each empty feed has an ETag of its own: a client holding another's, or the nameless empty feed of before
            // (all tagged "f0"), is sent this one whole.
            using var old = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "If-None-Match", "\"f0\"" } } };
            using var response = await api.Anonymous().SendAsync(old);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.True(tags.Add(response.Headers.ETag!.Tag), $"{path} shares its ETag {response.Headers.ETag} with another empty feed");
            var body = await response.Content.ReadAsByteArrayAsync();
            var parsed = await IcalJs.ParseAsync(body);
            Assert.Equal(0, parsed.GetProperty("events").GetArrayLength());
            Assert.Equal(name, parsed.GetProperty("name").GetString());
            var calendar = IcalNet.Load(body);
            Assert.Equal(name, calendar.Properties["NAME"]?.Value);
            Assert.Equal(name, calendar.Properties["X-WR-CALNAME"]?.Value);
            empty.Add(Encoding.UTF8.GetString(body));
        }

        // Then the agenda is published and the head of the delegation takes a seat: each feed is rendered with an
        // event, and says of itself all that its empty form said.
        var room = await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name = "Plenary Hall", capacity = 300, interpretation = new[] { "en" } })).OkJsonAsync(201);
        var session = (await (await kit.Organiser.PostJsonAsync(kit.Url("/sessions"), new
        {
            kind = "Plenary", title = "Opening", roomId = room.GetProperty("id").GetGuid(), start = "2012-12-05T09:30", end = "2012-12-05T10:15",
            speakers = Array.Empty<string>(), isPublic = true,
        })).OkJsonAsync(201)).GetProperty("id").GetGuid();
        await PublishAsync(kit);
        await (await focalPoint.PostJsonAsync(DelegationKit.DelegationUrl(belgium.Id, "/seats"), new { sessionId = session, memberIds = new[] { belgium.MemberId(0) } })).OkJsonAsync();

        foreach (var ((path, name), before) in named.Zip(empty))
        {
            var (body, parsed, _) = await FeedUntilAsync(path, f => f.GetProperty("events").GetArrayLength() == 1);
            Assert.Equal(name, parsed.GetProperty("name").GetString());
            var full = Encoding.UTF8.GetString(body);
            var properties = full[..full.IndexOf("BEGIN:VTIMEZONE", StringComparison.Ordinal)];
            Assert.Equal(properties + "END:VCALENDAR\r\n", before);
        }
    }

    [Fact]
    public async Task A_member_s_feed_dies_with_the_member_s_withdrawal_or_erasure()
    {
        var c = await ConferenceAsync();
        var belgium = await c.Kit.RegisterAsync(DelegationKit.State("BE", advisers: 2));
        var focalPoint = c.Kit.FocalPointClient(belgium);
        var feeds = await (await focalPoint.GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"))).OkJsonAsync();
        var urls = feeds.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("memberId").GetGuid(), m => new Uri(m.GetProperty("feed").GetProperty("https").GetString()!).AbsolutePath);
        Assert.Equal(3, urls.Count);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(urls[belgium.MemberId(1)])).StatusCode);

        await (await focalPoint.DeleteAsync(DelegationKit.DelegationUrl(belgium.Id, $"/members/{belgium.MemberId(1)}"))).OkJsonAsync();
        await (await api.Anonymous().GetAsync(urls[belgium.MemberId(1)])).ProblemAsync(404, "not_found");
        await (await c.Kit.Protocol.DeleteAsync(DelegationKit.DelegationUrl(belgium.Id, $"/members/{belgium.MemberId(2)}/personal-data"))).OkJsonAsync();
        await (await api.Anonymous().GetAsync(urls[belgium.MemberId(2)])).ProblemAsync(404, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(urls[belgium.MemberId(0)])).StatusCode);
        var remaining = await (await focalPoint.GetAsync(DelegationKit.DelegationUrl(belgium.Id, "/feeds"))).OkJsonAsync();
        Assert.Equal([belgium.MemberId(0)], remaining.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("memberId").GetGuid()).ToArray());
    }

    [Fact]
    public async Task A_session_on_the_day_the_clocks_change_keeps_its_true_instant()
    {
        // Brussels moves from 02:00 to 03:00 on 29 March 2026: a session at 03:30 is at 01:30 UTC, not 02:30.
        var slug = ApiFixture.NewSlug();
        var organiser = api.Organiser();
        await (await organiser.PostJsonAsync("/api/conferences", Conferences.ConferenceRequests.NewConference(slug, firstDay: "2026-03-28", lastDay: "2026-03-29"))).OkJsonAsync(201);
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)).OkJsonAsync();
        var room = await (await organiser.PostJsonAsync($"/api/conferences/{slug}/rooms", new { name = "Hall", capacity = 50 })).OkJsonAsync(201);
        foreach (var (start, end) in new[] { ("2026-03-28T23:30", "2026-03-29T01:30"), ("2026-03-29T03:30", "2026-03-29T04:00"), ("2026-03-29T10:00", "2026-03-29T11:00") })
        {
            await (await organiser.PostJsonAsync($"/api/conferences/{slug}/sessions", new
            {
                kind = "Social", title = $"Night {start}", roomId = room.GetProperty("id").GetGuid(), start, end, speakers = Array.Empty<string>(), isPublic = true,
            })).OkJsonAsync(201);
        }

        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/agenda/publish", null)).OkJsonAsync();
        var (_, feed, _) = await FeedUntilAsync($"/calendars/{slug}.ics", f => f.GetProperty("events").GetArrayLength() == 3);
        var starts = feed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("start").GetString()!).Order().ToArray();
        Assert.Equal(["2026-03-28T22:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-29T08:00:00.000Z"], starts);
        var ends = feed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("end").GetString()!).Order().ToArray();
        Assert.Equal(["2026-03-29T00:30:00.000Z", "2026-03-29T02:00:00.000Z", "2026-03-29T09:00:00.000Z"], ends);
    }
}
