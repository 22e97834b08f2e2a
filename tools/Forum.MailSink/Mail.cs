using System.Text.Json.Serialization;

namespace Forum.MailSink;

public sealed record MailAddress(string Email, string? Name);

public sealed record MailContent(string Type, string Value);

/// <summary>An attachment as received; <see cref="Content"/> stays base64 until it is downloaded.</summary>
public sealed record MailAttachment(string Filename, string? Type, string Disposition, string? ContentId, [property: JsonIgnore] string Content)
{
    public int Size => Content.Length / 4 * 3 - (Content.EndsWith("==", StringComparison.Ordinal) ? 2 : Content.EndsWith('=') ? 1 : 0);
}

public sealed class MailPersonalization
{
    public required IReadOnlyList<MailAddress> To { get; init; }

    public IReadOnlyList<MailAddress> Cc { get; init; } = [];

    public IReadOnlyList<MailAddress> Bcc { get; init; } = [];

    public MailAddress? From { get; init; }

    public string? Subject { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = Mail.NoStrings;

    public IReadOnlyDictionary<string, string> Substitutions { get; init; } = Mail.NoStrings;

    /// <summary>This personalization's own custom_args, as sent.</summary>
    public IReadOnlyDictionary<string, string> CustomArgs { get; init; } = Mail.NoStrings;

    public long? SendAt { get; init; }

    public IEnumerable<MailAddress> Recipients() => To.Concat(Cc).Concat(Bcc);
}

/// <summary>A mail the sink accepted (one POST /v3/mail/send), with the events it made of it.</summary>
public sealed class StoredMail
{
    private readonly List<SinkEvent> _events = [];
    private int _eventSequence;

    /// <summary>The X-Message-Id answered.</summary>
    public required string Id { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public required MailAddress From { get; init; }

    public MailAddress? ReplyTo { get; init; }

    public IReadOnlyList<MailAddress> ReplyToList { get; init; } = [];

    public string? Subject { get; init; }

    public required IReadOnlyList<MailPersonalization> Personalizations { get; init; }

    public IReadOnlyList<MailContent> Content { get; init; } = [];

    public IReadOnlyList<MailAttachment> Attachments { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyDictionary<string, string> CustomArgs { get; init; } = Mail.NoStrings;

    public IReadOnlyDictionary<string, string> Headers { get; init; } = Mail.NoStrings;

    public long? SendAt { get; init; }

    public string? TemplateId { get; init; }

    public string? BatchId { get; init; }

    /// <summary>The request body exactly as received.</summary>
    public required ReadOnlyMemory<byte> RawBody { get; init; }

    public string? Text => Content.FirstOrDefault(c => c.Type.Equals("text/plain", StringComparison.OrdinalIgnoreCase))?.Value;

    public string? Html => Content.FirstOrDefault(c => c.Type.Equals("text/html", StringComparison.OrdinalIgnoreCase))?.Value;

    public string? SubjectOf(MailPersonalization p) => p.Subject ?? Subject;

    /// <summary>The message-level custom_args overridden by the personalization's: what SendGrid puts in each event.</summary>
    public IReadOnlyDictionary<string, string> CustomArgsOf(MailPersonalization p)
    {
        if (p.CustomArgs.Count == 0)
        {
            return CustomArgs;
        }

        if (CustomArgs.Count == 0)
        {
            return p.CustomArgs;
        }

        var merged = new Dictionary<string, string>(CustomArgs, StringComparer.Ordinal);
        foreach (var (k, v) in p.CustomArgs)
        {
            merged[k] = v;
        }

        return merged;
    }

    /// <summary>SendGrid's sg_message_id: the X-Message-Id, then a suffix naming the personalization.</summary>
    public string SgMessageIdOf(int personalization) =>
        $"{Id}.filterdrecv-mailsink-{personalization}-{ReceivedAt.ToUnixTimeSeconds():X8}-{personalization}.0";

    public int NextEventSequence() => Interlocked.Increment(ref _eventSequence) - 1;

    public IReadOnlyList<SinkEvent> Events()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    public void AddEvents(IEnumerable<SinkEvent> events)
    {
        lock (_events)
        {
            _events.AddRange(events);
        }
    }

    public bool Matches(string? to, IReadOnlyList<KeyValuePair<string, string>> args) =>
        Personalizations.Any(p =>
            (to is null || p.Recipients().Any(r => r.Email.Equals(to, StringComparison.OrdinalIgnoreCase)))
            && (args.Count == 0 || args.All(a => CustomArgsOf(p).TryGetValue(a.Key, out var v) && v == a.Value)));
}

public static class Mail
{
    public static IReadOnlyDictionary<string, string> NoStrings { get; } = new Dictionary<string, string>();
}
