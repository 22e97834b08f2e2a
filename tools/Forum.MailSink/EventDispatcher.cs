using System.Globalization;
using System.Net.Http.Headers;
using System.Threading.Channels;

namespace Forum.MailSink;

/// <summary>
/// Posts events to the webhook off the request path: accepted mails queue here, one loop turns them into events and
/// posts them in batches (a JSON array, signed); a post the webhook refuses (non-2xx, or no answer) is retried in the
/// background with a doubling delay, with the same events and a fresh timestamp and signature, while later batches go on.
/// </summary>
public sealed partial class EventDispatcher : BackgroundService
{
    private sealed record Work(StoredMail Mail, IReadOnlyList<SinkEvent>? Events, long DueAt);

    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly MailSinkOptions _options;
    private readonly WebhookSigner _signer;
    private readonly SinkStats _stats;
    private readonly TimeProvider _clock;
    private readonly ILogger<EventDispatcher> _log;
    private int _retrying;

    public EventDispatcher(MailSinkOptions options, WebhookSigner signer, SinkStats stats, TimeProvider clock, ILogger<EventDispatcher> log)
    {
        _options = options;
        _signer = signer;
        _stats = stats;
        _clock = clock;
        _log = log;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("SendGrid-Event-API-mailsink", "1.0"));
    }

    /// <summary>Posts still being retried.</summary>
    public int Retrying => Volatile.Read(ref _retrying);

    public void Accepted(StoredMail mail) =>
        _work.Writer.TryWrite(new Work(mail, null, _clock.GetUtcNow().ToUnixTimeMilliseconds() + _options.EventDelayMs));

    /// <summary>Posts events made elsewhere (asked for by a test), now.</summary>
    public void Post(StoredMail mail, IReadOnlyList<SinkEvent> events) =>
        _work.Writer.TryWrite(new Work(mail, events, 0));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await PostEventsAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The sink is stopping (or its host disposed without a stop): events not posted yet go with it.
        }
    }

    private async Task PostEventsAsync(CancellationToken stoppingToken)
    {
        var reader = _work.Reader;
        var batch = new List<SinkEvent>();
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < _options.EventBatchSize && reader.TryPeek(out var work))
            {
                var wait = work.DueAt - _clock.GetUtcNow().ToUnixTimeMilliseconds();
                if (wait > 0)
                {
                    if (batch.Count > 0)
                    {
                        break;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(wait), _clock, stoppingToken);
                    continue;
                }

                reader.TryRead(out _);
                var events = work.Events;
                if (events is null)
                {
                    events = EventFactory.Lifecycle(work.Mail, _options.BounceDomain, _clock.GetUtcNow().ToUnixTimeSeconds());
                    work.Mail.AddEvents(events);
                }

                batch.AddRange(events);
            }

            if (batch.Count > 0)
            {
                await DeliverAsync([.. batch], stoppingToken);
                batch.Clear();
            }
        }
    }

    private async Task DeliverAsync(SinkEvent[] events, CancellationToken ct)
    {
        if (_options.WebhookUrl is null)
        {
            foreach (var e in events)
            {
                e.Webhook = "not posted (no webhook URL)";
            }

            return;
        }

        var payload = EventJson.Serialize(events);
        var outcome = await PostOnceAsync(_options.WebhookUrl, payload, ct);
        if (outcome is null)
        {
            Posted(events, 1);
            return;
        }

        foreach (var e in events)
        {
            e.Webhook = $"retrying ({outcome})";
        }

        Interlocked.Increment(ref _retrying);
        _ = Task.Run(() => RetryAsync(_options.WebhookUrl, events, payload, outcome, ct), CancellationToken.None);
    }

    private async Task RetryAsync(Uri url, SinkEvent[] events, byte[] payload, string outcome, CancellationToken ct)
    {
        try
        {
            var delay = TimeSpan.FromMilliseconds(_options.WebhookRetryDelayMs);
            for (var attempt = 2; attempt <= _options.WebhookRetries + 1; attempt++, delay *= 2)
            {
                await Task.Delay(delay, _clock, ct);
                _stats.Add(Stat.WebhookRetries);
                var again = await PostOnceAsync(url, payload, ct);
                if (again is null)
                {
                    Posted(events, attempt);
                    return;
                }

                outcome = again;
            }

            _stats.Add(Stat.EventsFailed, events.Length);
            _stats.Add(Stat.WebhookFailures);
            LogGaveUp(_log, events.Length, url, _options.WebhookRetries + 1, outcome);
            foreach (var e in events)
            {
                e.Webhook = $"failed after {_options.WebhookRetries + 1} attempts ({outcome})";
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _retrying);
        }
    }

    private void Posted(SinkEvent[] events, int attempts)
    {
        _stats.Add(Stat.EventsPosted, events.Length);
        foreach (var e in events)
        {
            e.Webhook = attempts == 1 ? "posted" : $"posted (attempt {attempts})";
        }
    }

    /// <summary>One signed post: null when the webhook answered 2xx, else what went wrong.</summary>
    private async Task<string?> PostOnceAsync(Uri url, byte[] payload, CancellationToken ct)
    {
        _stats.Add(Stat.WebhookPosts);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSigner.SignatureHeader, _signer.Sign(timestamp, payload));
        request.Headers.Add(WebhookSigner.TimestampHeader, timestamp);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            LogRefused(_log, url, (int)response.StatusCode);
            return $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            LogUnreachable(_log, url, e.Message);
            return e.Message;
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Url} answered {Status}; the events will be posted again")]
    private static partial void LogRefused(ILogger logger, Uri url, int status);

    // Debug: an API that is still starting is unreachable for a moment (./forum run), and the events are posted again;
    // giving up is the warning.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {Url} unreachable ({Error}); the events will be posted again")]
    private static partial void LogUnreachable(ILogger logger, Uri url, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up posting {Count} events to {Url} after {Attempts} attempts ({Outcome})")]
    private static partial void LogGaveUp(ILogger logger, int count, Uri url, int attempts, string outcome);
}
