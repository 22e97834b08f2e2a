using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Forum.Api.Notifications;

/// <summary>Where mail goes: SendGrid's v3 API (or the local one), the key, the sender, the webhook's verification key.</summary>
public sealed class SendGridOptions
{
    public string BaseUrl { get; set; } = "https://api.sendgrid.com";

    public string? ApiKey { get; set; }

    /// <summary>The Event Webhook's verification key: base64 of the ECDSA P-256 public key (SubjectPublicKeyInfo).</summary>
    public string? WebhookPublicKey { get; set; }

    public string FromEmail { get; set; } = "noreply@forum.example.org";

    public string FromName { get; set; } = "Forum";

    /// <summary>How long one request may take before it counts as a timeout (and is tried again).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed record MailAddress(string Email, string? Name = null);

public sealed record MailPersonalization(IReadOnlyList<MailAddress> To, IReadOnlyDictionary<string, string>? CustomArgs = null);

public sealed record MailContent(string Type, string Value);

public sealed record MailAttachment(string Content, string Type, string Filename, string Disposition = "attachment");

/// <summary>The body of SendGrid's v3 Mail Send (snake_case on the wire): one message, one personalization.</summary>
public sealed record SendGridMail(
    IReadOnlyList<MailPersonalization> Personalizations,
    MailAddress From,
    string Subject,
    IReadOnlyList<MailContent> Content,
    IReadOnlyList<MailAttachment>? Attachments = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    IReadOnlyDictionary<string, string>? CustomArgs = null,
    IReadOnlyList<string>? Categories = null);

/// <summary>What SendGrid answered, as the outbox needs it.</summary>
public abstract record SendResult
{
    private SendResult()
    {
    }

    /// <summary>202: accepted, with SendGrid's X-Message-Id.</summary>
    public sealed record Sent(string? MessageId) : SendResult;

    /// <summary>429: nothing more until the rate limit resets.</summary>
    public sealed record RateLimited(DateTimeOffset Until) : SendResult;

    /// <summary>5xx or a timeout, after the quick retries: try again later.</summary>
    public sealed record Transient(string Error) : SendResult;

    /// <summary>400 and the like: this mail will never be accepted; SendGrid's messages kept.</summary>
    public sealed record Rejected(string Error) : SendResult;

    /// <summary>401 or 403: the key is wrong or lacks the right; stop sending until someone fixes it.</summary>
    public sealed record Unauthorized(string Error) : SendResult;
}

/// <summary>
/// A small client of SendGrid's v3 Mail Send over HttpClient (the SDK is not available here). 5xx answers and timeouts
/// are tried again at once a few times with exponential back-off and jitter (Polly); whatever remains is for the
/// outbox to schedule.
/// </summary>
public sealed class SendGridClient
{
    public static readonly JsonSerializerOptions WireJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient http;
    private readonly SendGridOptions options;
    private readonly TimeProvider time;
    private readonly ResiliencePipeline<SendResult> retries;

    public SendGridClient(HttpClient http, IOptions<SendGridOptions> options, TimeProvider time)
    {
        this.http = http;
        this.options = options.Value;
        this.time = time;
        retries = new ResiliencePipelineBuilder<SendResult>()
            .AddRetry(new RetryStrategyOptions<SendResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is SendResult.Transient),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            })
            .Build();
    }

    public async Task<SendResult> SendAsync(SendGridMail mail, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            return new SendResult.Unauthorized("No SendGrid API key is configured (SendGrid:ApiKey).");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(mail, WireJson);
        return await retries.ExecuteAsync(async token => await SendOnceAsync(body, token), ct);
    }

    private async Task<SendResult> SendOnceAsync(byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(options.BaseUrl), "/v3/mail/send"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.Accepted || response.StatusCode == HttpStatusCode.OK)
            {
                return new SendResult.Sent(response.Headers.TryGetValues("X-Message-Id", out var ids) ? ids.FirstOrDefault() : null);
            }

            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            return status switch
            {
                429 => new SendResult.RateLimited(ResetOf(response)),
                401 or 403 => new SendResult.Unauthorized($"{status}: {Errors(text)}"),
                >= 500 => new SendResult.Transient($"{status}: {Errors(text)}"),
                _ => new SendResult.Rejected($"{status}: {Errors(text)}"),
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new SendResult.Transient($"no answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return new SendResult.Transient(e.Message);
        }
    }

    /// <summary>X-RateLimit-Reset is a Unix time in seconds; without it, wait a minute.</summary>
    private DateTimeOffset ResetOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-RateLimit-Reset", out var values) && long.TryParse(values.FirstOrDefault(), out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : time.GetUtcNow().AddMinutes(1);

    /// <summary>SendGrid's error messages ({"errors":[{"message","field"}]}), or the raw text.</summary>
    private static string Errors(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                return string.Join("; ", errors.EnumerateArray().Select(e =>
                    (e.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? $"{f.GetString()}: " : "") +
                    (e.TryGetProperty("message", out var m) ? m.GetString() : "")));
            }
        }
        catch (JsonException)
        {
        }

        return text.Length > 500 ? text[..500] : text;
    }
}
