extern alias mailsink;

using System.Net.Http.Json;
using System.Text.Json;
using Forum.Api.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using MailSinkHost = mailsink::Forum.MailSink.MailSinkHost;

namespace Forum.Api.Tests.Notifications;

/// <summary>The local SendGrid on Kestrel, spoken to over HTTP by our client as SendGrid would be.</summary>
public sealed class LocalSendGrid : IAsyncLifetime
{
    public const string ApiKey = "SG.forum-api-tests";

    private WebApplication? sink;

    public Uri Url { get; private set; } = null!;

    public HttpClient Control { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        sink = MailSinkHost.Build(["--urls=http://127.0.0.1:0", $"--MailSink:ApiKeys={ApiKey}", "--Logging:LogLevel:Default=Warning"]);
        await sink.StartAsync();
        Url = new Uri(sink.Urls.Single());
        Control = new HttpClient { BaseAddress = Url };
        Control.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public async Task DisposeAsync()
    {
        Control.Dispose();
        if (sink is not null)
        {
            await sink.StopAsync();
            await sink.DisposeAsync();
        }
    }

    public SendGridClient Client(string? key = ApiKey, TimeSpan? timeout = null) => new(
        new HttpClient(),
        Options.Create(new SendGridOptions { BaseUrl = Url.ToString(), ApiKey = key, Timeout = timeout ?? TimeSpan.FromSeconds(10) }),
        TimeProvider.System);

    public async Task FaultsAsync(params object[] next) =>
        (await Control.PostAsJsonAsync("/control/faults", new { next })).EnsureSuccessStatusCode();

    /// <summary>The mails that arrived carrying this message id (duplicates included).</summary>
    public async Task<JsonElement[]> ArrivedAsync(string messageId)
    {
        var json = await Control.GetStringAsync($"/api/messages?custom_args.forum_message_id={messageId}");
        var root = JsonDocument.Parse(json).RootElement;
        return (root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("messages")).EnumerateArray().ToArray();
    }
}

public sealed class SendGridClientTests(LocalSendGrid sendGrid) : IClassFixture<LocalSendGrid>
{
    private static SendGridMail Mail(string messageId, string to = "focal.point@example.org") => new(
        [new MailPersonalization([new MailAddress(to, "Focal point")])],
        new MailAddress("noreply@forum.example.org", "Forum"),
        "Your registration was received",
        [new MailContent("text/plain", "Hello."), new MailContent("text/html", "<p>Hello.</p>")],
        Headers: new Dictionary<string, string> { ["X-Forum-Message-Id"] = messageId },
        CustomArgs: new Dictionary<string, string> { ["forum_message_id"] = messageId });

    [Fact]
    public async Task An_accepted_mail_gives_SendGrid_s_message_id_and_arrives_once_with_ours()
    {
        var id = Guid.NewGuid().ToString();
        var result = Assert.IsType<SendResult.Sent>(await sendGrid.Client().SendAsync(Mail(id), CancellationToken.None));
        Assert.False(string.IsNullOrEmpty(result.MessageId));
        Assert.Single(await sendGrid.ArrivedAsync(id));
    }

    [Fact]
    public async Task Server_errors_are_tried_again_at_once_until_accepted()
    {
        var id = Guid.NewGuid().ToString();
        await sendGrid.FaultsAsync(new { status = 503 }, new { status = 500 });
        Assert.IsType<SendResult.Sent>(await sendGrid.Client().SendAsync(Mail(id), CancellationToken.None));
        Assert.Single(await sendGrid.ArrivedAsync(id));
    }

    [Fact]
    public async Task A_rate_limit_says_until_when()
    {
        await sendGrid.FaultsAsync(new { status = 429, retryAfterSeconds = 30 });
        var limited = Assert.IsType<SendResult.RateLimited>(await sendGrid.Client().SendAsync(Mail(Guid.NewGuid().ToString()), CancellationToken.None));
        Assert.InRange(limited.Until, DateTimeOffset.UtcNow.AddSeconds(20), DateTimeOffset.UtcNow.AddSeconds(40));
    }

    [Fact]
    public async Task An_invalid_mail_is_rejected_with_SendGrid_s_messages_and_a_wrong_key_stops_sending()
    {
        var rejected = Assert.IsType<SendResult.Rejected>(await sendGrid.Client().SendAsync(Mail(Guid.NewGuid().ToString(), to: "not an address"), CancellationToken.None));
        Assert.Contains("personalizations.0.to.0.email", rejected.Error, StringComparison.Ordinal);
        Assert.IsType<SendResult.Unauthorized>(await sendGrid.Client(key: "SG.wrong").SendAsync(Mail(Guid.NewGuid().ToString()), CancellationToken.None));
        Assert.IsType<SendResult.Unauthorized>(await sendGrid.Client(key: null).SendAsync(Mail(Guid.NewGuid().ToString()), CancellationToken.None));
    }

    [Fact]
    public async Task A_timeout_is_tried_again_and_the_resent_mail_carries_the_same_message_id()
    {
        // The first answer comes after the client gave up, though the mail was kept: the resend is recognisable.
        var id = Guid.NewGuid().ToString();
        await sendGrid.FaultsAsync(new { delayMs = 1500 });
        Assert.IsType<SendResult.Sent>(await sendGrid.Client(timeout: TimeSpan.FromMilliseconds(500)).SendAsync(Mail(id), CancellationToken.None));
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while ((await sendGrid.ArrivedAsync(id)).Length < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the first, late attempt was kept too");
            await Task.Delay(50);
        }
    }
}
