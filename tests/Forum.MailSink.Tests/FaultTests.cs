using System.Net;
using System.Text;
using System.Text.Json;

namespace Forum.MailSink.Tests;

[Collection(SinkCollection.Name)]
public sealed class FaultTests(SinkFixture sink) : IAsyncLifetime
{
    public Task InitializeAsync() => sink.ResetFaultsAsync();

    public Task DisposeAsync() => sink.ResetFaultsAsync();

    [Fact]
    public async Task The_next_answers_asked_for_come_in_order_then_SendGrid_s_own()
    {
        var id = SinkFixture.NewId();
        await sink.SetFaultsAsync("""{"next": [{"status": 429, "retryAfterSeconds": 30}, {"status": 503}, {"status": 500}]}""");

        using var limited = await sink.SendAsync(SinkFixture.ValidMail(id));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("600", Header(limited, "X-RateLimit-Limit"));
        Assert.Equal("0", Header(limited, "X-RateLimit-Remaining"));
        Assert.InRange(long.Parse(Header(limited, "X-RateLimit-Reset"), System.Globalization.CultureInfo.InvariantCulture), now + 28, now + 31);
        Assert.Equal("""{"errors":[{"field":null,"message":"too many requests"}]}""", await limited.Content.ReadAsStringAsync());

        using var unavailable = await sink.SendAsync(SinkFixture.ValidMail(id));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal("Service Unavailable", JsonDocument.Parse(await unavailable.Content.ReadAsStringAsync()).RootElement.GetProperty("errors")[0].GetProperty("message").GetString());

        using var failed = await sink.SendAsync(SinkFixture.ValidMail(id));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);

        await sink.AcceptedAsync(SinkFixture.ValidMail(id));
        Assert.Equal(1, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
        var state = JsonDocument.Parse(await sink.Client.GetStringAsync("/control/faults")).RootElement;
        Assert.Equal(0, state.GetProperty("next").GetArrayLength());
    }

    [Fact]
    public async Task A_late_answer_times_the_client_out_although_the_mail_was_accepted()
    {
        var id = SinkFixture.NewId();
        await sink.SetFaultsAsync("""{"next": [{"delayMs": 3000}]}""");
        using var impatient = sink.Anonymous();
        impatient.DefaultRequestHeaders.Authorization = sink.Client.DefaultRequestHeaders.Authorization;
        impatient.Timeout = TimeSpan.FromMilliseconds(300);

        await Assert.ThrowsAsync<TaskCanceledException>(() => sink.SendAsync(SinkFixture.ValidMail(id), impatient));

        // The client retries, as it should: the sink now holds the mail twice, which is what idempotency must handle.
        await sink.AcceptedAsync(SinkFixture.ValidMail(id));
        var found = await Eventually.ValueAsync(
            async () => (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32(), n => n == 2, "both copies");
        Assert.Equal(2, found);
    }

    [Fact]
    public async Task A_rate_limit_answers_429_past_the_limit_with_the_rate_limit_headers()
    {
        var id = SinkFixture.NewId();
        await sink.SetFaultsAsync("""{"rateLimit": {"limit": 2, "windowSeconds": 60}}""");

        using var first = await sink.SendAsync(SinkFixture.ValidMail(id));
        using var second = await sink.SendAsync(SinkFixture.ValidMail(id));
        using var third = await sink.SendAsync(SinkFixture.ValidMail(id));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(("2", "1"), (Header(first, "X-RateLimit-Limit"), Header(first, "X-RateLimit-Remaining")));
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal("0", Header(second, "X-RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(("2", "0"), (Header(third, "X-RateLimit-Limit"), Header(third, "X-RateLimit-Remaining")));
        var reset = long.Parse(Header(third, "X-RateLimit-Reset"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 1, 61);
        Assert.Equal(2, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());

        await sink.SetFaultsAsync("""{"rateLimit": null}""");
        await sink.AcceptedAsync(SinkFixture.ValidMail(id));
    }

    [Theory]
    [InlineData("""{"next": [{"status": 404}]}""")]
    [InlineData("""{"next": [{}]}""")]
    [InlineData("""{"rateLimit": {"limit": 1, "windowSeconds": 0}}""")]
    [InlineData("[]")]
    public async Task A_fault_the_sink_cannot_play_is_refused(string json)
    {
        using var response = await sink.Client.PostAsync("/control/faults", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static string Header(HttpResponseMessage response, string name) => Assert.Single(response.Headers.GetValues(name));
}
