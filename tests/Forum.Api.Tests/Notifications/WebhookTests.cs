using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forum.Api.Tests.Notifications;

[Collection(ApiCollection.Name)]
public sealed class WebhookTests(ApiFixture api, LocalSendGrid sendGrid) : IClassFixture<LocalSendGrid>
{
    private SendGridWebhook Webhook => api.Services.GetRequiredService<SendGridWebhook>();

    /// <summary>A call as SendGrid makes it: the events, the timestamp, the signature over both (by <paramref name="key"/>).</summary>
    private async Task<HttpResponseMessage> PostAsync(string body, ECDsa? key = null, DateTimeOffset? at = null, string? sentBody = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = (key ?? api.WebhookKey).SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sendgrid") { Content = new StringContent(sentBody ?? body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SendGridWebhook.TimestampHeader, timestamp);
        request.Headers.Add(SendGridWebhook.SignatureHeader, Convert.ToBase64String(signature));
        return await api.Anonymous().SendAsync(request);
    }

    private static string Events(Guid message, string email, params (string Id, string Event)[] events) =>
        "[" + string.Join(",", events.Select(e =>
            $$"""{"email":"{{email}}","timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"event":"{{e.Event}}","sg_event_id":"{{e.Id}}","sg_message_id":"abc123.filterdrecv-1","forum_message_id":"{{message}}","reason":"550 5.1.1 unknown user"}""")) + "]";

    [Fact]
    public async Task A_genuine_call_records_each_event_once_however_often_it_is_posted()
    {
        var message = Guid.NewGuid();
        var body = Events(message, "someone@example.org", ($"e-{message}-1", "processed"), ($"e-{message}-2", "delivered"));
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(body)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(body)).StatusCode);
        Assert.Equal(["processed", "delivered"], await Webhook.EventsOfAsync(message, CancellationToken.None));
    }

    [Fact]
    public async Task Forged_altered_and_stale_calls_are_refused_and_record_nothing()
    {
        var message = Guid.NewGuid();
        var body = Events(message, "someone@example.org", ($"e-{message}-1", "delivered"));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await (await PostAsync(body, key: other)).ProblemAsync(403, "invalid_signature");
        await (await PostAsync(body, sentBody: body.Replace("delivered", "bounce", StringComparison.Ordinal))).ProblemAsync(403, "invalid_signature");
        await (await PostAsync(body, at: DateTimeOffset.UtcNow.AddMinutes(-6))).ProblemAsync(403, "stale_timestamp");
        var unsigned = await api.Anonymous().PostAsync("/webhooks/sendgrid", new StringContent(body, Encoding.UTF8, "application/json"));
        await unsigned.ProblemAsync(403, "invalid_signature");
        Assert.Empty(await Webhook.EventsOfAsync(message, CancellationToken.None));
    }

    [Fact]
    public async Task A_bounced_address_gets_nothing_more()
    {
        var address = $"gone-{Guid.NewGuid():N}@example.org";
        var (slug, mails, _) = await MailTestKit.EnqueueAsync(api, 1, address);
        var earlier = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(Events(earlier, address.ToUpperInvariant(), ($"e-{earlier}", "bounce")))).StatusCode);

        await using var dispatcher = new MailDispatcher(
            api.Services.GetRequiredService<MailOutbox>(), sendGrid.Client(), Webhook, api.Services.GetRequiredService<PersonalDataVault>(), TimeProvider.System,
            NullLogger<MailDispatcher>.Instance);
        Assert.Equal(1, await dispatcher.DispatchAsync(10, CancellationToken.None, slug));
        var mail = Assert.Single(await api.Services.GetRequiredService<MailOutbox>().ListAsync(slug, null, CancellationToken.None));
        Assert.Equal(MailState.Dropped, mail.State);
        Assert.Contains("bounced", mail.LastError, StringComparison.Ordinal);
        Assert.Empty(await sendGrid.ArrivedAsync(mails[0].Id.ToString()));
    }

    [Fact]
    public async Task The_focal_point_sees_which_member_s_address_bounced()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var delegation = await kit.RegisterAsync(DelegationKit.State("IE", advisers: 1));
        var bounced = DelegationKit.MemberEmail("IE", 2);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(Events(Guid.NewGuid(), bounced.ToUpperInvariant(), ($"e-{Guid.NewGuid()}", "bounce")))).StatusCode);

        var view = await (await kit.FocalPointClient(delegation).GetAsync(DelegationKit.DelegationUrl(delegation.Id))).OkJsonAsync();
        Assert.False(DelegationKit.MemberOf(view, delegation.MemberId(0)).GetProperty("mailUndeliverable").GetBoolean());
        Assert.True(DelegationKit.MemberOf(view, delegation.MemberId(1)).GetProperty("mailUndeliverable").GetBoolean());
    }
}
