using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Forum.MailSink.Tests;

/// <summary>
/// The sink on Kestrel (a real port), posting its events to a receiver on Kestrel too: tests talk to both over HTTP.
/// </summary>
public sealed class SinkFixture : IAsyncLifetime
{
    public const string ApiKey = "SG.test-key.for-the-sink-tests";
    public const string SecondKey = "SG.second-key";
    public const long MaxBody = 1024 * 1024;

    private WebApplication? _sink;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    /// <summary>With the API key.</summary>
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        _sink = MailSinkHost.Build([
            "--urls=http://127.0.0.1:0",
            $"--MailSink:ApiKeys={ApiKey}, {SecondKey}",
            $"--MailSink:WebhookUrl={Receiver.Url}",
            "--MailSink:WebhookRetryDelayMs=50",
            "--MailSink:WebhookRetries=3",
            $"--MailSink:MaxBodyBytes={MaxBody}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Forum.MailSink.EventDispatcher=Error",
        ]);
        await _sink.StartAsync();
        Url = new Uri(_sink.Urls.Single());
        Client = new HttpClient { BaseAddress = Url };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_sink is not null)
        {
            await _sink.StopAsync();
            await _sink.DisposeAsync();
        }

        await Receiver.DisposeAsync();
    }

    public HttpClient Anonymous() => new() { BaseAddress = Url };

    public Task<HttpResponseMessage> SendAsync(JsonNode mail, HttpClient? client = null) =>
        (client ?? Client).PostAsync("/v3/mail/send", new StringContent(mail.ToJsonString(), Encoding.UTF8, "application/json"));

    /// <summary>Sends and expects 202; the X-Message-Id.</summary>
    public async Task<string> AcceptedAsync(JsonNode mail)
    {
        using var response = await SendAsync(mail);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return Assert.Single(response.Headers.GetValues("X-Message-Id"));
    }

    public async Task<JsonElement> MessagesAsync(string query = "")
    {
        var json = await Client.GetStringAsync("/api/messages" + query);
        return JsonDocument.Parse(json).RootElement;
    }

    public async Task ResetFaultsAsync() => (await Client.DeleteAsync("/control/faults")).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(string json)
    {
        using var response = await Client.PostAsync("/control/faults", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A mail SendGrid accepts, carrying <c>custom_args.forum_message_id</c> so a test finds its own.</summary>
    public static JsonObject ValidMail(string forumMessageId, string to = "member@example.org") => new()
    {
        ["personalizations"] = new JsonArray(new JsonObject
        {
            ["to"] = new JsonArray(new JsonObject { ["email"] = to, ["name"] = "A Member" }),
            ["custom_args"] = new JsonObject { ["forum_message_id"] = forumMessageId },
        }),
        ["from"] = new JsonObject { ["email"] = "forum@example.org", ["name"] = "Forum" },
        ["reply_to"] = new JsonObject { ["email"] = "protocol@example.org" },
        ["subject"] = "Your badge",
        ["content"] = new JsonArray(
            new JsonObject { ["type"] = "text/plain", ["value"] = "Hello, here is your badge." },
            new JsonObject { ["type"] = "text/html", ["value"] = "<p>Hello, here is your <b>badge</b>.</p>" }),
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["content"] = Convert.ToBase64String("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"u8),
            ["type"] = "image/svg+xml",
            ["filename"] = "badge.svg",
            ["disposition"] = "attachment",
        }),
        ["categories"] = new JsonArray("badge"),
        ["custom_args"] = new JsonObject { ["conference"] = "global-alliance-2012" },
        ["headers"] = new JsonObject { ["X-Forum"] = "1" },
    };

    public static string NewId() => "m-" + Guid.NewGuid().ToString("N")[..12];
}

[CollectionDefinition(Name)]
public sealed class SinkCollection : ICollectionFixture<SinkFixture>
{
    public const string Name = "sink";
}

public sealed record ReceivedPost(byte[] Body, string? Signature, string? Timestamp, DateTimeOffset At)
{
    public JsonElement Events => JsonDocument.Parse(Body).RootElement;
}

/// <summary>Stands for the API's POST /webhooks/sendgrid: keeps every post as received (raw bytes, headers); can refuse the next N.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPost> _posts = new();
    private readonly SemaphoreSlim _signal = new(0);
    private int _refuseNext;
    private int _refused;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedPost> Posts => [.. _posts];

    public int Refused => Volatile.Read(ref _refused);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/webhooks/sendgrid", async (HttpContext ctx) =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer);
            if (Interlocked.Decrement(ref receiver._refuseNext) >= 0)
            {
                Interlocked.Increment(ref receiver._refused);
                receiver._signal.Release();
                return Results.StatusCode(500);
            }

            receiver._posts.Enqueue(new ReceivedPost(
                buffer.ToArray(),
                ctx.Request.Headers["X-Twilio-Email-Event-Webhook-Signature"].ToString(),
                ctx.Request.Headers["X-Twilio-Email-Event-Webhook-Timestamp"].ToString(),
                DateTimeOffset.UtcNow));
            receiver._signal.Release();
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = new Uri(new Uri(app.Urls.Single()), "/webhooks/sendgrid");
        return receiver;
    }

    public void RefuseNext(int n) => Volatile.Write(ref _refuseNext, n);

    /// <summary>Every event received so far with the post that carried it.</summary>
    public IReadOnlyList<(JsonElement Event, ReceivedPost Post)> Events() =>
        [.. Posts.SelectMany(p => p.Events.EnumerateArray().Select(e => (e, p)))];

    /// <summary>Waits for posts until the condition holds, or fails at the deadline.</summary>
    public async Task<IReadOnlyList<(JsonElement Event, ReceivedPost Post)>> WaitForAsync(
        Func<IReadOnlyList<(JsonElement Event, ReceivedPost Post)>, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var events = Events();
            if (condition(events))
            {
                return events;
            }

            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                Assert.Fail($"Timed out waiting for {what ?? "webhook events"}; received {events.Count} events in {Posts.Count} posts.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _signal.Dispose();
    }
}

/// <summary>SendGrid's own verification, written from its documentation and independent of the sink's code.</summary>
public static class SendGridSignature
{
    public static bool Verify(string publicKeyBase64, string timestamp, byte[] body, string signatureBase64)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKeyBase64), out _);
        var signed = Encoding.UTF8.GetBytes(timestamp).Concat(body).ToArray();
        return key.VerifyData(signed, Convert.FromBase64String(signatureBase64), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }
}

/// <summary>Waits for a condition without sleeping a fixed time: polls with a short pause until a deadline.</summary>
public static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out waiting for {what}; last value: {value}");
            await Task.Delay(20);
        }
    }
}
