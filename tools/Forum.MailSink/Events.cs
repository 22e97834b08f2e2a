using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Forum.MailSink;

/// <summary>One Event Webhook event, as SendGrid posts it (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event).</summary>
[JsonConverter(typeof(SinkEventConverter))]
public sealed class SinkEvent
{
    private string _webhook = "pending";

    public required StoredMail Mail { get; init; }

    public required string Email { get; init; }

    public required string Event { get; init; }

    public required long Timestamp { get; init; }

    /// <summary>Unique per event; the same on every retry of the post that carries it.</summary>
    public required string SgEventId { get; init; }

    /// <summary>The X-Message-Id, then <c>.filterdrecv-…-{personalization}.0</c>.</summary>
    public required string SgMessageId { get; init; }

    public IReadOnlyDictionary<string, string> CustomArgs { get; init; } = Forum.MailSink.Mail.NoStrings;

    /// <summary>The event's own properties after the common ones (response, reason, status, type, ...), numbers as longs, flags as bools.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Fields { get; init; } = [];

    /// <summary>What became of the post that carried it: pending, posted, failed (...), not posted (no webhook URL).</summary>
    public string Webhook
    {
        get => Volatile.Read(ref _webhook);
        set => Volatile.Write(ref _webhook, value);
    }
}

public sealed class SinkEventConverter : JsonConverter<SinkEvent>
{
    public override SinkEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Events are written, never read.");

    public override void Write(Utf8JsonWriter writer, SinkEvent value, JsonSerializerOptions options) => EventJson.Write(writer, value);
}

public static class EventJson
{
    public static void Write(Utf8JsonWriter w, SinkEvent e)
    {
        w.WriteStartObject();
        w.WriteString("email", e.Email);
        w.WriteNumber("timestamp", e.Timestamp);
        w.WriteString("smtp-id", $"<{e.Mail.Id}@ismtpd-mailsink>");
        w.WriteString("event", e.Event);
        var categories = e.Mail.Categories;
        if (categories.Count == 1)
        {
            w.WriteString("category", categories[0]);
        }
        else if (categories.Count > 1)
        {
            w.WriteStartArray("category");
            foreach (var c in categories)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
        }

        w.WriteString("sg_event_id", e.SgEventId);
        w.WriteString("sg_message_id", e.SgMessageId);
        var written = new HashSet<string>(StringComparer.Ordinal) { "email", "timestamp", "smtp-id", "event", "category", "sg_event_id", "sg_message_id" };
        foreach (var (name, value) in e.Fields)
        {
            written.Add(name);
            if (value is long number)
            {
                w.WriteNumber(name, number);
            }
            else if (value is bool flag)
            {
                w.WriteBoolean(name, flag);
            }
            else
            {
                w.WriteString(name, value.ToString());
            }
        }

        // Custom arguments are flattened into the event, as SendGrid does; they cannot override SendGrid's own properties.
        foreach (var (name, value) in e.CustomArgs)
        {
            if (written.Add(name))
            {
                w.WriteString(name, value);
            }
        }

        w.WriteEndObject();
    }

    /// <summary>The body of one webhook post: a JSON array of events.</summary>
    public static byte[] Serialize(IReadOnlyList<SinkEvent> events)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * events.Count + 16);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var e in events)
            {
                Write(w, e);
            }

            w.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Makes the events SendGrid would post for a mail: per recipient, processed then delivered, or bounce at the bounce domain.</summary>
public static class EventFactory
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(
        ["processed", "deferred", "delivered", "bounce", "blocked", "dropped", "spamreport", "open", "click", "unsubscribe"], StringComparer.Ordinal);

    public static bool Bounces(string email, string bounceDomain) =>
        email.EndsWith("@" + bounceDomain, StringComparison.OrdinalIgnoreCase);

    public static List<SinkEvent> Lifecycle(StoredMail mail, string bounceDomain, long timestamp)
    {
        var events = new List<SinkEvent>();
        for (var i = 0; i < mail.Personalizations.Count; i++)
        {
            var p = mail.Personalizations[i];
            foreach (var recipient in p.Recipients())
            {
                events.Add(Make(mail, i, recipient.Email, "processed", timestamp, []));
                events.Add(Bounces(recipient.Email, bounceDomain)
                    ? Make(mail, i, recipient.Email, "bounce", timestamp, Defaults("bounce", null))
                    : Make(mail, i, recipient.Email, "delivered", timestamp, Defaults("delivered", null)));
            }
        }

        return events;
    }

    /// <summary>An event asked for by a test (POST /control/messages/{id}/events), for one recipient or all.</summary>
    public static List<SinkEvent> Custom(StoredMail mail, string kind, string? email, string? reason, long timestamp)
    {
        var events = new List<SinkEvent>();
        for (var i = 0; i < mail.Personalizations.Count; i++)
        {
            foreach (var recipient in mail.Personalizations[i].Recipients())
            {
                if (email is null || recipient.Email.Equals(email, StringComparison.OrdinalIgnoreCase))
                {
                    events.Add(Make(mail, i, recipient.Email, kind, timestamp, Defaults(kind, reason)));
                }
            }
        }

        return events;
    }

    private static List<KeyValuePair<string, object>> Defaults(string kind, string? reason) => kind switch
    {
        "delivered" => [new("response", reason ?? "250 2.0.0 OK mailsink"), new("tls", 1L), new("ip", "127.0.0.1")],
        "deferred" => [new("response", reason ?? "451 4.3.0 Try again later"), new("attempt", "1"), new("tls", 1L), new("ip", "127.0.0.1")],
        "bounce" => [new("reason", reason ?? "550 5.1.1 The email account that you tried to reach does not exist."), new("status", "5.1.1"),
            new("type", "bounce"), new("bounce_classification", "Invalid Address"), new("tls", 1L), new("ip", "127.0.0.1")],
        "blocked" => [new("reason", reason ?? "550 5.7.1 Message rejected as spam"), new("status", "5.7.1"),
            new("type", "blocked"), new("bounce_classification", "Content"), new("tls", 1L), new("ip", "127.0.0.1")],
        "dropped" => [new("reason", reason ?? "Bounced Address"), new("status", "5.0.0")],
        "open" => [new("useragent", "Mozilla/5.0 (mailsink)"), new("ip", "127.0.0.1"), new("sg_machine_open", false)],
        "click" => [new("useragent", "Mozilla/5.0 (mailsink)"), new("ip", "127.0.0.1"), new("url", reason ?? "https://example.org/")],
        _ => reason is null ? [] : [new("reason", reason)],
    };

    private static SinkEvent Make(StoredMail mail, int personalization, string email, string kind, long timestamp, List<KeyValuePair<string, object>> fields) => new()
    {
        Mail = mail,
        Email = email,
        Event = kind,
        Timestamp = timestamp,
        SgEventId = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}-{mail.NextEventSequence()}-{mail.Id}-{personalization}")),
        SgMessageId = mail.SgMessageIdOf(personalization),
        CustomArgs = mail.CustomArgsOf(mail.Personalizations[personalization]),
        Fields = fields,
    };
}
