using System.Net;
using System.Text.Json;
using Forum.Api.Tests.Calendars;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Notifications;

[Collection(ApiCollection.Name)]
public sealed class MailFromEventsTests(ApiFixture api, LocalSendGrid sink) : IClassFixture<LocalSendGrid>
{
    private static string Header(JsonElement arrived, string name) =>
        arrived.GetProperty("headers").EnumerateObject().Single(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value.GetString()!;

    private static bool HasHeader(JsonElement arrived, string name) =>
        arrived.GetProperty("headers").EnumerateObject().Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task A_registration_sends_the_focal_point_its_members_places_and_a_working_access_link_once()
    {
        var kit = await MailKit.CreateAsync(api, sink, capacity: 3);
        var delegation = await kit.RegisterAsync(DelegationKit.State("BE", advisers: 3));

        var mail = Assert.Single(await kit.AwaitMailsAsync("registration-received", 1));
        Assert.Equal("focal.be@example.org", mail.GetProperty("to").GetString());
        var arrived = await kit.DeliveredAsync(mail);
        var text = arrived.GetProperty("text").GetString()!;
        Assert.Contains("Belgium", arrived.GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Contains("Member 1 of BE, Minister of Justice: holds a place", text, StringComparison.Ordinal);
        Assert.Contains("Member 4 of BE", text, StringComparison.Ordinal);
        Assert.Contains("on the waiting list, position 1", text, StringComparison.Ordinal);
        Assert.Contains("Belgium", arrived.GetProperty("html").GetString(), StringComparison.Ordinal);

        // The stable message id rides in a header and in custom_args; a transactional mail has no unsubscribe link.
        Assert.Equal(mail.GetProperty("id").GetString(), Header(arrived, "X-Forum-Message-Id"));
        Assert.Equal(mail.GetProperty("id").GetString(), arrived.GetProperty("customArgs").GetProperty("forum_message_id").GetString());
        Assert.False(HasHeader(arrived, "List-Unsubscribe"));

        // The link opens the delegation with the token it carries; rotating the token kills it.
        var link = text.Split('\n').Single(l => l.StartsWith("http://127.0.0.1:5081/access/", StringComparison.Ordinal));
        var token = Uri.UnescapeDataString(link["http://127.0.0.1:5081/access/".Length..]);
        Assert.Equal(delegation.Token, token);
        await (await kit.FocalPoint(delegation).PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/token/rotate"), null)).OkJsonAsync();
        var old = api.CreateClient();
        old.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.NotFound, (await old.GetAsync(DelegationKit.DelegationUrl(delegation.Id))).StatusCode);

        // Later events of the delegation make no second registration mail.
        await kit.AccreditAsync(delegation, delegation.MemberId(0));
        await kit.AwaitMailsAsync("accreditation-decided", 1);
        Assert.Single(await kit.MailsAsync("registration-received"));
    }

    [Fact]
    public async Task An_approved_member_gets_an_invitation_calendars_read_and_a_rejected_one_the_reason()
    {
        var kit = await MailKit.CreateAsync(api, sink, firstDay: "2012-12-05", lastDay: "2012-12-06");
        var delegation = await kit.RegisterAsync(DelegationKit.State("NL", advisers: 1));
        await kit.AccreditAsync(delegation, delegation.MemberId(0));
        await kit.AccreditAsync(delegation, delegation.MemberId(1), "reject", "The adviser's nomination arrived after the deadline.");

        var mails = await kit.AwaitMailsAsync("accreditation-decided", 2);
        var approved = await kit.DeliveredAsync(mails.Single(m => m.GetProperty("to").GetString() == DelegationKit.MemberEmail("NL", 1)));
        Assert.StartsWith("Accreditation approved", approved.GetProperty("subject").GetString(), StringComparison.Ordinal);
        var attachment = Assert.Single(approved.GetProperty("attachments").EnumerateArray());
        Assert.Equal("invitation.ics", attachment.GetProperty("filename").GetString());
        Assert.Equal("text/calendar", attachment.GetProperty("type").GetString());

        var invitation = await IcalJs.ParseAsync(System.Text.Encoding.UTF8.GetBytes(await kit.AttachmentAsync(approved, 0)));
        Assert.Equal("REQUEST", invitation.GetProperty("method").GetString());
        var e = Assert.Single(invitation.GetProperty("events").EnumerateArray());
        Assert.Equal("Ministerial conference on child protection online", e.GetProperty("summary").GetString());
        Assert.Equal(1, e.GetProperty("attendees").GetInt32());
        Assert.Equal($"mailto:{DelegationKit.MemberEmail("NL", 1)}", e.GetProperty("attendee").GetString());
        Assert.StartsWith("mailto:", e.GetProperty("organizer").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("2012-12-05", e.GetProperty("start").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("2012-12-07", e.GetProperty("end").GetString(), StringComparison.Ordinal);

        var rejected = await kit.DeliveredAsync(mails.Single(m => m.GetProperty("to").GetString() == DelegationKit.MemberEmail("NL", 2)));
        Assert.Contains("was not approved", rejected.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("arrived after the deadline", rejected.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(rejected.TryGetProperty("attachments", out var none) && none.GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_conference_whose_first_language_is_French_writes_its_mails_in_French()
    {
        var kit = await MailKit.CreateAsync(api, sink, languages: ["fr", "en"]);
        var delegation = await kit.RegisterAsync(DelegationKit.State("FR", advisers: 1));
        await kit.AccreditAsync(delegation, delegation.MemberId(0));

        var registration = await kit.DeliveredAsync(Assert.Single(await kit.AwaitMailsAsync("registration-received", 1)));
        Assert.StartsWith("Inscription reçue", registration.GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Contains("a une place", registration.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:5081/fr/access/{delegation.Token}", registration.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("lang=\"fr\"", registration.GetProperty("html").GetString(), StringComparison.Ordinal);
        var accreditation = await kit.DeliveredAsync(Assert.Single(await kit.AwaitMailsAsync("accreditation-decided", 1)));
        Assert.Contains("mercredi 5 décembre 2012", accreditation.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_focal_point_hears_when_a_member_moves_up_from_the_waiting_list()
    {
        var kit = await MailKit.CreateAsync(api, sink, capacity: 2);
        var first = await kit.RegisterAsync(DelegationKit.State("DE", advisers: 1));
        var second = await kit.RegisterAsync(DelegationKit.State("AT", advisers: 0));
        await (await kit.FocalPoint(first).SendAsync(new HttpRequestMessage(HttpMethod.Delete, DelegationKit.DelegationUrl(first.Id, $"/members/{first.MemberId(1)}")))).OkJsonAsync();

        var moved = await kit.DeliveredAsync(Assert.Single(await kit.AwaitMailsAsync("moved-up", 1)));
        Assert.Equal("focal.at@example.org", moved.GetProperty("personalizations")[0].GetProperty("to")[0].GetProperty("email").GetString());
        Assert.Contains("Member 1 of AT", moved.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("now holds it", moved.GetProperty("text").GetString(), StringComparison.Ordinal);
        _ = second;
    }

    [Fact]
    public async Task A_focal_point_hears_when_a_member_moves_up_to_a_seat_in_a_full_session()
    {
        var kit = await MailKit.CreateAsync(api, sink, roomCapacity: 1);
        var first = await kit.RegisterAsync(DelegationKit.State("SE", advisers: 0));
        var second = await kit.RegisterAsync(DelegationKit.State("FI", advisers: 0));
        await kit.AccreditAsync(first, first.MemberId(0));
        await kit.AccreditAsync(second, second.MemberId(0));
        var session = await kit.SessionAsync("Round table on hotlines", "2012-12-05", "15:00", "16:30");
        await kit.SeatAsync(first, session, first.MemberId(0));
        await kit.SeatAsync(second, session, second.MemberId(0));
        await (await kit.FocalPoint(first).SendAsync(new HttpRequestMessage(HttpMethod.Delete, DelegationKit.DelegationUrl(first.Id, $"/seats/{session}/{first.MemberId(0)}")))).OkJsonAsync();

        var moved = await kit.DeliveredAsync(Assert.Single(await kit.AwaitMailsAsync("moved-up", 1)));
        Assert.Equal("focal.fi@example.org", moved.GetProperty("personalizations")[0].GetProperty("to")[0].GetProperty("email").GetString());
        Assert.Equal("A seat for Member 1 of FI: Round table on hotlines", moved.GetProperty("subject").GetString());
        Assert.Contains("Wednesday 5 December 2012, 15:00–16:30 (Europe/Brussels)", moved.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delegation_reads_back_who_was_sent_what_and_another_delegation_cannot()
    {
        var kit = await MailKit.CreateAsync(api, sink);
        var delegation = await kit.RegisterAsync(DelegationKit.State("LU", advisers: 1));
        var other = await kit.RegisterAsync(DelegationKit.State("MT", advisers: 0));
        await kit.AccreditAsync(delegation, delegation.MemberId(1));
        await kit.DeliveredAsync((await kit.AwaitMailsAsync("accreditation-decided", 1))[0]);

        var history = (await (await kit.FocalPoint(delegation).GetAsync(DelegationKit.DelegationUrl(delegation.Id, "/mail"))).OkJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["registration-received", "accreditation-decided"], history.Select(m => m.GetProperty("kind").GetString()));
        Assert.Equal("focal.lu@example.org", history[0].GetProperty("to").GetString());
        Assert.Equal(DelegationKit.MemberEmail("LU", 2), history[1].GetProperty("to").GetString());
        Assert.All(history, m => Assert.Equal("Sent", m.GetProperty("state").GetString()));
        Assert.Single((await (await kit.Organiser.GetAsync(DelegationKit.DelegationUrl(other.Id, "/mail"))).OkJsonAsync()).EnumerateArray());
        await (await kit.FocalPoint(other).GetAsync(DelegationKit.DelegationUrl(delegation.Id, "/mail"))).ProblemAsync(404, "not_found");
    }
}
