namespace Forum.MailSink;

/// <summary>The sink's settings, section <c>MailSink</c> (env vars <c>MailSink__Port</c>, ..., or <c>--MailSink:Port=</c>).</summary>
public sealed class MailSinkOptions
{
    /// <summary>Listen on http://127.0.0.1:{Port}. Unset: ASPNETCORE_URLS / --urls, else 5082.</summary>
    public int? Port { get; set; }

    /// <summary>Accepted API keys, comma-separated (<c>Authorization: Bearer &lt;key&gt;</c>). Empty: any key is accepted.</summary>
    public string? ApiKeys { get; set; }

    /// <summary>Where events are posted (the API's <c>/webhooks/sendgrid</c>). Unset: events are kept, not posted.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>An ECDSA P-256 private key (PEM, or base64 PKCS#8 DER). Unset: a new key each start.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Recipients at this domain bounce instead of being delivered.</summary>
    public string BounceDomain { get; set; } = "bounce.test";

    /// <summary>How long after acceptance a mail's events are posted.</summary>
    public int EventDelayMs { get; set; }

    /// <summary>At most this many events in one webhook post.</summary>
    public int EventBatchSize { get; set; } = 500;

    /// <summary>Retries of a post the webhook answered with a non-2xx (or did not answer); the delay doubles from <see cref="WebhookRetryDelayMs"/>.</summary>
    public int WebhookRetries { get; set; } = 5;

    public int WebhookRetryDelayMs { get; set; } = 1000;

    /// <summary>SendGrid's limit on a request: 30 MB, attachments included.</summary>
    public long MaxBodyBytes { get; set; } = 30L * 1024 * 1024;

    /// <summary>Mails kept in memory; the oldest are forgotten beyond this.</summary>
    public int MaxMessages { get; set; } = 100_000;

    public IReadOnlySet<string> ApiKeySet() =>
        (ApiKeys ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
}
