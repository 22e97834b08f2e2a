using System.Globalization;
using Forum.Api.Calendars;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Forum.Api.Notifications;

/// <summary>Addresses mails link to: the web client's access page, the agenda, the API's own public address (unsubscribing).</summary>
public sealed class NotificationOptions
{
    /// <summary>
    /// {token} is replaced by the delegation's access token, {lang} by the mail's language prefix ("" for English,
    /// "/fr" for French), so the web client opens in the mail's language.
    /// </summary>
    public string AccessUrl { get; set; } = "http://127.0.0.1:5081{lang}/access/{token}";

    /// <summary>{slug} and {lang} are replaced; the default is the API's published agenda.</summary>
    public string AgendaUrl { get; set; } = "http://127.0.0.1:5080/api/conferences/{slug}/agenda";

    /// <summary>The API's public address, for the one-click unsubscribe links of digests and reminders.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Publications of an agenda this close together make one digest, sent this long after the last.</summary>
    public TimeSpan DigestQuietPeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Local time, the day before a member's sessions, at which the reminder goes (a TimeSpan, so configuration can set it).</summary>
    public TimeSpan ReminderTime { get; set; } = TimeSpan.FromHours(18);

    public string AccessLink(string token, string language) =>
        WithLanguage(AccessUrl, language).Replace("{token}", Uri.EscapeDataString(token), StringComparison.Ordinal);

    public string AgendaLink(string slug, string language) =>
        WithLanguage(AgendaUrl, language).Replace("{slug}", Uri.EscapeDataString(slug), StringComparison.Ordinal);

    private static string WithLanguage(string template, string language) =>
        template.Replace("{lang}", language == "en" ? "" : "/" + language, StringComparison.Ordinal);

    public string UnsubscribeLink(string token) => $"{PublicBaseUrl.TrimEnd('/')}/mail/unsubscribe/{token}";
}

/// <summary>Kinds of mail, as the outbox and the mail history name them.</summary>
public static class MailKinds
{
    public const string RegistrationReceived = "registration-received";
    public const string AccreditationDecided = "accreditation-decided";
    public const string MovedUp = "moved-up";
    public const string AgendaDigest = "agenda-digest";
    public const string Reminder = "reminder";
    public const string ReportDeadline = "report-deadline";
}

/// <summary>Turns a mail's words into SendGrid's request: text and HTML, the stable message id, one-click unsubscribe.</summary>
public sealed class MailComposer(IOptions<SendGridOptions> sendGrid, IOptions<NotificationOptions> options, IOptions<CalendarOptions> calendars)
{
    public const string MessageIdHeader = "X-Forum-Message-Id";

    public NotificationOptions Options => options.Value;

    public SendGridMail Compose(
        Guid messageId, string kind, MailAddress to, MailText text, IReadOnlyList<MailAttachment>? attachments = null, string? unsubscribeUrl = null)
    {
        var headers = new Dictionary<string, string> { [MessageIdHeader] = messageId.ToString() };
        if (unsubscribeUrl is not null)
        {
            // RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the https address, no page in between.
            headers["List-Unsubscribe"] = $"<{unsubscribeUrl}>";
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
        }

        return new SendGridMail(
            [new MailPersonalization([to])],
            new MailAddress(sendGrid.Value.FromEmail, sendGrid.Value.FromName),
            text.Subject,
            [new MailContent("text/plain", text.PlainText()), new MailContent("text/html", text.Html())],
            attachments is { Count: > 0 } ? attachments : null,
            headers,
            new Dictionary<string, string> { ["forum_message_id"] = messageId.ToString(), ["forum_kind"] = kind },
            [kind]);
    }

    /// <summary>
    /// A mail for the outbox, sealed with its recipient's key (so that erasing the recipient erases the mail); null
    /// when the recipient was erased meanwhile.
    /// </summary>
    public OutboxMail? Outgoing(
        PersonalDataVault.OpenedData opened, Guid recipient, string cause, string slug, Guid? delegationId, string kind, MailAddress to, MailText text, TimeProvider time,
        IReadOnlyList<MailAttachment>? attachments = null, string? unsubscribeUrl = null)
    {
        var id = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        return opened.Seal(recipient, Compose(id, kind, to, text, attachments, unsubscribeUrl)) is { } sealedMail
            ? new OutboxMail(id, cause, slug, delegationId, kind, sealedMail, MailState.Waiting, 0, now, now)
            : null;
    }

    /// <summary>
    /// An iTIP invitation (METHOD:REQUEST) to the conference for one accredited member: an all-day event over the
    /// conference's days, the organiser of the feeds, the member as the only ATTENDEE. Its UID is stable per member
    /// and conference, so a later invitation updates the same entry in the member's calendar.
    /// </summary>
    public MailAttachment Invitation(ConferenceScheduled conference, Guid memberId, string name, string email, Instant now)
    {
        var w = new CalendarWriter()
            .Begin("VCALENDAR")
            .Raw("VERSION", "2.0")
            .Raw("PRODID", "-//Forum//Conference invitations//EN")
            .Raw("CALSCALE", "GREGORIAN")
            .Raw("METHOD", "REQUEST")
            .Begin("VEVENT")
            .Raw("UID", $"{conference.Slug}-{memberId:N}@forum")
            .Utc("DTSTAMP", now)
            .Raw("SEQUENCE", "0")
            .Raw("DTSTART", Date(conference.FirstDay), ("VALUE", "DATE"))
            .Raw("DTEND", Date(conference.LastDay.PlusDays(1)), ("VALUE", "DATE"))
            .Text("SUMMARY", conference.Title)
            .Text("LOCATION", $"{conference.Venue.Name}, {conference.Venue.City}, {conference.Venue.Country}")
            .Raw("ORGANIZER", $"mailto:{calendars.Value.OrganizerEmail}", ("CN", sendGrid.Value.FromName))
            .Raw("ATTENDEE", $"mailto:{email}", ("CN", name), ("ROLE", "REQ-PARTICIPANT"), ("PARTSTAT", "NEEDS-ACTION"), ("RSVP", "FALSE"))
            .Raw("STATUS", "CONFIRMED")
            .Raw("TRANSP", "OPAQUE")
            .End("VEVENT")
            .End("VCALENDAR");
        // SendGrid refuses parameters in an attachment's type (no "; method=REQUEST"): calendars read the METHOD inside.
        return new MailAttachment(Convert.ToBase64String(w.ToUtf8()), "text/calendar", "invitation.ics");

    }

    private static string Date(LocalDate date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
