using System.Text.Json;
using Forum.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Forum.Web.Tests.Staff;

[Collection(StaffCollection.Name)]
public sealed class BoardTests(StaffFixture staff)
{
    private static ILocator Card(IPage page, string title) => page.Locator($"article.card[data-title='{title}']");

    private async Task<JsonElement> SessionAsync(string slug, string title)
    {
        var agenda = await staff.GetAsync($"api/conferences/{slug}/agenda?draft=true");
        return agenda.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("rooms").EnumerateArray())
            .SelectMany(r => r.GetProperty("sessions").EnumerateArray()).Single(s => s.GetProperty("title").GetString() == title);
    }

    private static async Task ScheduleAsync(IPage page, string title, string room, string start, string end, string? speakers = null)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Schedule a session" }).ClickAsync();
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync(title);
        await page.GetByLabel("Room", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = room });
        await page.GetByLabel("Start", new() { Exact = true }).FillAsync(start);
        await page.GetByLabel("End", new() { Exact = true }).FillAsync(end);
        if (speakers is not null)
        {
            await page.GetByLabel("Speakers").FillAsync(speakers);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Schedule a session" }).ClickAsync();
    }

    private static async Task AddRoomAsync(IPage page, string name, int capacity)
    {
        await page.GetByLabel("Name of the room", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Capacity (people)", new() { Exact = true }).FillAsync(capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a room" }).ClickAsync();
        await Expect(page.Locator($".board-room:has-text('{name}')")).ToBeVisibleAsync();
    }

    /// <summary>Where on the board a point of a room's column at a time of day is, relative to the grid.</summary>
    private static async Task<TargetPosition> PointAsync(IPage page, string room, string time)
    {
        var grid = (await page.Locator("#board").BoundingBoxAsync())!;
        var column = (await page.Locator($".board-room:has-text('{room}')").BoundingBoxAsync())!;
        var row = (await page.Locator($".board-time:text-is('{time}')").BoundingBoxAsync())!;
        return new TargetPosition { X = column.X - grid.X + (column.Width / 2), Y = row.Y - grid.Y + 4 };
    }

    [Fact]
    public async Task An_organiser_builds_a_conference_from_nothing_moves_sessions_by_dragging_by_keyboard_and_without_javascript_undoes_a_move_and_publishes()
    {
        var slug = "board-" + Guid.NewGuid().ToString("N")[..10];
        var page = await staff.SignedInAsync(StaffFixture.Organiser);
        await page.GetByRole(AriaRole.Link, new() { Name = "Create a conference" }).ClickAsync();
        await page.GetByLabel("Short name for addresses", new() { Exact = true }).FillAsync(slug);
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync("Launch of the Global Alliance " + slug[^4..]);
        await page.GetByLabel("Venue", new() { Exact = true }).FillAsync("Egmont Palace");
        await page.GetByLabel("City", new() { Exact = true }).FillAsync("Brussels");
        await page.GetByLabel("Country", new() { Exact = true }).FillAsync("BE");
        await page.GetByLabel("Time zone", new() { Exact = true }).SelectOptionAsync("Europe/Brussels");
        await page.GetByLabel("First day", new() { Exact = true }).FillAsync("2027-03-10");
        await page.GetByLabel("Last day", new() { Exact = true }).FillAsync("2027-03-11");
        await page.GetByLabel("Capacity (people)", new() { Exact = true }).FillAsync("200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a conference" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Launch of the Global Alliance " + slug[^4..]);

        await page.GetByRole(AriaRole.Link, new() { Name = "Agenda board" }).ClickAsync();
        await AddRoomAsync(page, "Plenary Hall", 200);
        await AddRoomAsync(page, "Room 2", 60);
        await ScheduleAsync(page, "Opening", "Plenary Hall (200 seats)", "2027-03-10T09:00", "2027-03-10T10:00", "Cecilia Malmström");
        await Expect(Card(page, "Opening")).ToContainTextAsync("09:00–10:00");
        await Expect(Card(page, "Opening")).ToContainTextAsync("New");
        await Expect(Card(page, "Opening")).ToContainTextAsync("Changed by Olivia Organiser");
        await ScheduleAsync(page, "Identifying victims", "Room 2 (60 seats)", "2027-03-10T09:00", "2027-03-10T10:00");
        await Expect(Card(page, "Identifying victims")).ToBeVisibleAsync();

        // A double booking is refused beside the room, naming the session in the way.
        await ScheduleAsync(page, "Press briefing", "Plenary Hall (200 seats)", "2027-03-10T09:30", "2027-03-10T10:15");
        await Expect(page.Locator("#room-error")).ToContainTextAsync("“Opening” (09:00–10:00)");
        await Expect(page.Locator(".error-summary a[href='#room']")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Agenda board" }).ClickAsync();

        // Dragged to Room 2 at 11:00 (the whole day in view, so that the pointer reaches it).
        await page.SetViewportSizeAsync(1280, 2400);
        var rooms = (await staff.GetAsync($"api/conferences/{slug}/agenda?draft=true")).GetProperty("rooms").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("id").GetGuid());
        await Card(page, "Opening").DragToAsync(page.Locator("#board"), new() { SourcePosition = new SourcePosition { X = 8, Y = 4 }, TargetPosition = await PointAsync(page, "Room 2", "11:00") });
        await Expect(Card(page, "Opening")).ToContainTextAsync("11:00–12:00");
        var moved = await SessionAsync(slug, "Opening");
        Assert.Equal(rooms["Room 2"], moved.GetProperty("roomId").GetGuid());
        Assert.Equal("2027-03-10T11:00", moved.GetProperty("start").GetString());

        // Undone from the board, by a new change.
        await page.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(page.Locator(".notice[role=status]")).ToContainTextAsync("The change to “Opening” is undone.");
        await Expect(Card(page, "Opening")).ToContainTextAsync("09:00–10:00");
        var undone = await SessionAsync(slug, "Opening");
        Assert.Equal(rooms["Plenary Hall"], undone.GetProperty("roomId").GetGuid());
        Assert.Equal("2027-03-10T09:00", undone.GetProperty("start").GetString());

        // Moved from the keyboard: an hour later, one room to the right.
        await page.GetByRole(AriaRole.Button, new() { Name = "Move Opening" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#board-live")).ToContainTextAsync("Moving Opening: Plenary Hall, 09:00 to 10:00");
        foreach (var key in new[] { "ArrowDown", "ArrowDown", "ArrowDown", "ArrowDown", "ArrowRight" })
        {
            await page.Keyboard.PressAsync(key);
        }

        await Expect(page.Locator("#board-live")).ToContainTextAsync("Moving Opening: Room 2, 10:00 to 11:00");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Card(page, "Opening")).ToContainTextAsync("10:00–11:00");
        Assert.Equal(rooms["Room 2"], (await SessionAsync(slug, "Opening")).GetProperty("roomId").GetGuid());

        // Without JavaScript, through the session's form.
        var plain = await staff.NewPageAsync(javaScript: false);
        await staff.SignInAsync(plain, StaffFixture.Organiser, $"/conferences/{slug}/board");
        await plain.GetByRole(AriaRole.Link, new() { Name = "Change Identifying victims" }).ClickAsync();
        await plain.GetByLabel("Start", new() { Exact = true }).FillAsync("2027-03-10T14:00");
        await plain.GetByLabel("End", new() { Exact = true }).FillAsync("2027-03-10T15:30");
        await plain.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(Card(plain, "Identifying victims")).ToContainTextAsync("14:00–15:30");

        // Published after seeing what it publishes; then the conference, and the public page shows that version.
        await page.GetByRole(AriaRole.Link, new() { Name = "Publish the agenda" }).ClickAsync();
        await Expect(page.Locator("#pending")).ToContainTextAsync("Opening");
        await Expect(page.Locator("#pending")).ToContainTextAsync("Identifying victims");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish this version" }).ClickAsync();
        await Expect(page.Locator(".notice[role=status]")).ToHaveTextAsync("Version 1 of the agenda is published.");
        await page.GotoAsync($"/conferences/{slug}/publish");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, publish" }).ClickAsync();
        await Expect(page.Locator(".summary")).ToContainTextAsync("Published");

        var visitor = await staff.Browser.NewPageAsync(new() { BaseURL = staff.Web.Address.ToString() });
        await visitor.GotoAsync($"/conferences/{slug}");
        await Expect(visitor.Locator("main")).ToContainTextAsync("Opening");
        await Expect(visitor.Locator("main")).ToContainTextAsync("Identifying victims");
        await visitor.Context.CloseAsync();
    }

    [Fact]
    public async Task Two_organisers_change_the_same_session_and_the_second_sees_both_versions_and_chooses_so_nothing_is_lost()
    {
        var slug = await staff.ConferenceAsync();
        var room = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 200, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        var session = (await staff.PostAsync($"api/conferences/{slug}/sessions", new
        {
            kind = "Plenary", title = "Opening", roomId = room, start = "2027-03-10T09:00", end = "2027-03-10T10:00", speakers = Array.Empty<string>(), isPublic = true,
        })).GetProperty("id").GetGuid();

        var olivia = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}/sessions/{session}");
        var oscar = await staff.SignedInAsync(StaffFixture.SecondOrganiser, $"/conferences/{slug}/sessions/{session}");
        await olivia.GetByLabel("Title", new() { Exact = true }).FillAsync("Opening by the Commissioner");
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(Card(olivia, "Opening by the Commissioner")).ToBeVisibleAsync();

        await oscar.GetByLabel("Title", new() { Exact = true }).FillAsync("Opening by the Attorney General");
        await oscar.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(oscar.Locator(".error-summary")).ToContainTextAsync("Someone else changed this session");
        await Expect(oscar.Locator(".compare")).ToContainTextAsync("As Olivia Organiser left it");
        await Expect(oscar.Locator(".compare")).ToContainTextAsync("Opening by the Commissioner");
        await Expect(oscar.GetByLabel("Title", new() { Exact = true })).ToHaveValueAsync("Opening by the Attorney General");
        Assert.Equal("Opening by the Commissioner", (await SessionAsync(slug, "Opening by the Commissioner")).GetProperty("title").GetString());

        await oscar.GetByRole(AriaRole.Button, new() { Name = "Keep mine" }).ClickAsync();
        await Expect(Card(oscar, "Opening by the Attorney General")).ToBeVisibleAsync();
        await Expect(Card(oscar, "Opening by the Attorney General")).ToContainTextAsync("Changed by Oscar Organiser");

        // Both changes are in the history, each with its author's name.
        await oscar.GotoAsync($"/conferences/{slug}/history");
        await Expect(oscar.Locator("#history")).ToContainTextAsync("Olivia Organiser");
        await Expect(oscar.Locator("#history")).ToContainTextAsync("Oscar Organiser");
        await oscar.GetByLabel("Person").SelectOptionAsync("Olivia Organiser");
        await oscar.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(oscar.Locator("#history tbody tr")).ToHaveCountAsync(1);
        await Expect(oscar.Locator("#history tbody")).ToContainTextAsync("Session renamed: Opening by the Attorney General");
    }

    [Fact]
    public async Task A_move_the_api_refuses_is_shown_in_place_and_nothing_moves()
    {
        var slug = await staff.ConferenceAsync();
        var room = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 200, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        var small = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Small Room", capacity = 10, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        await staff.PostAsync($"api/conferences/{slug}/sessions", new
        {
            kind = "Plenary", title = "Opening", roomId = room, start = "2027-03-10T09:00", end = "2027-03-10T10:00", speakers = Array.Empty<string>(), isPublic = true, expectedAttendance = 150,
        });
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}/board");
        await page.SetViewportSizeAsync(1280, 2400);
        await Card(page, "Opening").DragToAsync(page.Locator("#board"), new() { SourcePosition = new SourcePosition { X = 8, Y = 4 }, TargetPosition = await PointAsync(page, "Small Room", "09:00") });
        await Expect(Card(page, "Opening").Locator(".card-error")).ToHaveTextAsync("The room holds 10: choose a larger room or expect fewer people.");
        Assert.Equal(room, (await SessionAsync(slug, "Opening")).GetProperty("roomId").GetGuid());
        Assert.NotEqual(small, room);
        await PageChecks.AxeAsync(page, "board with a refused move");
    }

    [Fact]
    public async Task A_move_of_a_session_someone_else_changed_since_the_board_was_shown_is_not_made()
    {
        var slug = await staff.ConferenceAsync();
        var room = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 200, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        var session = (await staff.PostAsync($"api/conferences/{slug}/sessions", new
        {
            kind = "Plenary", title = "Opening", roomId = room, start = "2027-03-10T09:00", end = "2027-03-10T10:00", speakers = Array.Empty<string>(), isPublic = true,
        })).GetProperty("id").GetGuid();
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}/board");

        // Meanwhile another organiser renames it.
        using var rename = new HttpRequestMessage(HttpMethod.Put, $"api/conferences/{slug}/sessions/{session}")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new
            {
                kind = "Plenary", title = "Opening by the Commissioner", roomId = room, start = "2027-03-10T09:00", end = "2027-03-10T10:00", speakers = Array.Empty<string>(), isPublic = true,
            }),
        };
        using var renamed = await staff.ApiOrganiser.SendAsync(rename);
        renamed.EnsureSuccessStatusCode();

        await page.GetByRole(AriaRole.Button, new() { Name = "Move Opening" }).ClickAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Card(page, "Opening").Locator(".card-error")).ToContainTextAsync("Someone else changed this session meanwhile, so your move was not made.");
        var now = await SessionAsync(slug, "Opening by the Commissioner");
        Assert.Equal("2027-03-10T09:00", now.GetProperty("start").GetString());

        // The staff app keeps the board it laid out, but never past a change: shown again, it has the new title.
        await page.ReloadAsync();
        await Expect(Card(page, "Opening by the Commissioner")).ToBeVisibleAsync();
        await Expect(Card(page, "Opening")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_cancellation_made_from_the_board_is_undone_from_the_board_by_a_new_change()
    {
        var slug = await staff.ConferenceAsync();
        var room = (await staff.PostAsync($"api/conferences/{slug}/rooms", new { name = "Plenary Hall", capacity = 200, interpretation = new[] { "en" } })).GetProperty("id").GetGuid();
        await staff.PostAsync($"api/conferences/{slug}/sessions", new
        {
            kind = "Plenary", title = "Opening", roomId = room, start = "2027-03-10T09:00", end = "2027-03-10T10:00", speakers = Array.Empty<string>(), isPublic = true,
        });
        var page = await staff.SignedInAsync(StaffFixture.Organiser, $"/conferences/{slug}/board");
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel Opening" }).ClickAsync();
        await page.GetByLabel("Reason").FillAsync("The hall is being repaired.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(Card(page, "Opening")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("card-cancelled"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(page.Locator(".notice[role=status]")).ToContainTextAsync("The change to “Opening” is undone.");
        await Expect(Card(page, "Opening")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("card-cancelled"));
        var session = await SessionAsync(slug, "Opening");
        Assert.Equal("Scheduled", session.GetProperty("status").GetString());
        var history = (await staff.GetAsync($"api/conferences/{slug}/history")).EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(["session-cancelled", "session-reinstated"], history.Where(t => t is "session-cancelled" or "session-reinstated"));
    }
}
