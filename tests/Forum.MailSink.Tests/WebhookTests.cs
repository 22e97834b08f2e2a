using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forum.MailSink.Tests;

[Collection(SinkCollection.Name)]
public sealed class WebhookTests(SinkFixture sink) : IAsyncLifetime
{
    public Task InitializeAsync()
    {
        sink.Receiver.RefuseNext(0);
        return sink.ResetFaultsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void The_independent_verification_accepts_SendGrid_s_published_example_and_nothing_else()
    {
        // The example of SendGrid's own libraries (sendgrid-php, -java, -ruby: EventWebhookTest), signed by SendGrid.
        const string PublicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==";
        const string Signature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
        var payload = """{"category":"example_payload","event":"test_event","message_id":"message_id"}"""u8.ToArray();

        Assert.True(SendGridSignature.Verify(PublicKey, "1588788367", payload, Signature));
        Assert.False(SendGridSignature.Verify(PublicKey, "1588788368", payload, Signature));
        Assert.False(SendGridSignature.Verify(PublicKey, "1588788367", "payload"u8.ToArray(), Signature));
    }

    [Fact]
    public async Task Events_are_posted_signed_as_SendGrid_signs_delivered_and_bounce_at_the_reserved_domain()
    {
        var id = SinkFixture.NewId();
        var mail = SinkFixture.ValidMail(id, $"{id}@example.org");
        mail["personalizations"]![0]!["to"]!.AsArray().Add(new JsonObject { ["email"] = $"{id}@bounce.test" });
        mail["categories"] = new JsonArray("badge", "reminder");
        var messageId = await sink.AcceptedAsync(mail);

        var events = await sink.Receiver.WaitForAsync(
            all => Mine(all, messageId).Count >= 4, what: "processed, delivered, processed, bounce");
        var mine = Mine(events, messageId);
        var publicKey = await sink.Client.GetStringAsync("/webhook/public-key");

        foreach (var post in mine.Select(e => e.Post).Distinct())
        {
            Assert.True(SendGridSignature.Verify(publicKey, post.Timestamp!, post.Body, post.Signature!), "the post's signature verifies with the published key");
            var tampered = (byte[])post.Body.Clone();
            tampered[^2] ^= 1;
            Assert.False(SendGridSignature.Verify(publicKey, post.Timestamp!, tampered, post.Signature!));
            var stamp = long.Parse(post.Timestamp!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(stamp - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), -60, 5);
        }

        Assert.Equal(
            [("processed", $"{id}@example.org"), ("delivered", $"{id}@example.org"), ("processed", $"{id}@bounce.test"), ("bounce", $"{id}@bounce.test")],
            mine.Select(e => (e.Event.GetProperty("event").GetString(), e.Event.GetProperty("email").GetString())));
        foreach (var (e, _) in mine)
        {
            Assert.StartsWith(messageId + ".filter", e.GetProperty("sg_message_id").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Number, e.GetProperty("timestamp").ValueKind);
            // custom_args are flattened into the event: the personalization's over the message's.
            Assert.Equal(id, e.GetProperty("forum_message_id").GetString());
            Assert.Equal("global-alliance-2012", e.GetProperty("conference").GetString());
            Assert.Equal(["badge", "reminder"], e.GetProperty("category").EnumerateArray().Select(c => c.GetString()));
        }

        Assert.Equal(4, mine.Select(e => e.Event.GetProperty("sg_event_id").GetString()).Distinct().Count());
        var bounce = mine[3].Event;
        Assert.Equal("bounce", bounce.GetProperty("type").GetString());
        Assert.StartsWith("5.", bounce.GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("550 ", bounce.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("250 ", mine[1].Event.GetProperty("response").GetString(), StringComparison.Ordinal);

        var kept = JsonDocument.Parse(await sink.Client.GetStringAsync($"/api/messages/{messageId}")).RootElement;
        Assert.Equal(
            mine.Select(e => e.Event.GetProperty("sg_event_id").GetString()),
            kept.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sg_event_id").GetString()));
    }

    [Fact]
    public async Task A_post_the_webhook_refuses_is_retried_with_the_same_events_and_a_fresh_signature()
    {
        var id = SinkFixture.NewId();
        var refusedBefore = sink.Receiver.Refused;
        sink.Receiver.RefuseNext(2);
        var messageId = await sink.AcceptedAsync(SinkFixture.ValidMail(id));

        var events = await sink.Receiver.WaitForAsync(all => Mine(all, messageId).Count >= 2, what: "the events after two refusals");

        Assert.Equal(2, sink.Receiver.Refused - refusedBefore);
        var mine = Mine(events, messageId);
        Assert.Equal(["processed", "delivered"], mine.Select(e => e.Event.GetProperty("event").GetString()));
        var post = mine[0].Post;
        Assert.True(SendGridSignature.Verify(await sink.Client.GetStringAsync("/webhook/public-key"), post.Timestamp!, post.Body, post.Signature!));
        var kept = await Eventually.ValueAsync(
            async () => JsonDocument.Parse(await sink.Client.GetStringAsync($"/api/messages/{messageId}")).RootElement.GetProperty("events")[0],
            e => e.GetProperty("sg_event_id").ValueKind == JsonValueKind.String, "the kept events");
        Assert.Equal(mine[0].Event.GetProperty("sg_event_id").GetString(), kept.GetProperty("sg_event_id").GetString());
    }

    [Fact]
    public async Task A_test_may_ask_for_other_events_and_for_a_message_s_events_to_be_posted_again()
    {
        var id = SinkFixture.NewId();
        var messageId = await sink.AcceptedAsync(SinkFixture.ValidMail(id));
        await sink.Receiver.WaitForAsync(all => Mine(all, messageId).Count >= 2, what: "the first events");

        using var spam = await sink.Client.PostAsync($"/control/messages/{messageId}/events",
            new StringContent("""{"event": "spamreport"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, spam.StatusCode);
        using var dropped = await sink.Client.PostAsync($"/control/messages/{messageId}/events",
            new StringContent("""{"event": "dropped", "email": "member@example.org", "reason": "Unsubscribed Address"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, dropped.StatusCode);
        var events = await sink.Receiver.WaitForAsync(all => Mine(all, messageId).Count >= 4, what: "spamreport and dropped");
        var mine = Mine(events, messageId);
        Assert.Equal(["processed", "delivered", "spamreport", "dropped"], mine.Select(e => e.Event.GetProperty("event").GetString()));
        Assert.Equal("Unsubscribed Address", mine[3].Event.GetProperty("reason").GetString());

        using var replay = await sink.Client.PostAsync($"/control/messages/{messageId}/replay-events", null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        events = await sink.Receiver.WaitForAsync(all => Mine(all, messageId).Count >= 8, what: "the replayed events");
        var ids = Mine(events, messageId).Select(e => e.Event.GetProperty("sg_event_id").GetString()).ToList();
        Assert.Equal(ids[..4], ids[4..]);

        using var unknown = await sink.Client.PostAsync($"/control/messages/{messageId}/events",
            new StringContent("""{"event": "teleported"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public void A_signing_key_is_read_from_a_PEM_file_and_must_be_on_P_256()
    {
        var file = Path.GetTempFileName();
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            File.WriteAllText(file, key.ExportPkcs8PrivateKeyPem());
            using (var signer = WebhookSigner.Create(file))
            {
                Assert.Equal(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), signer.PublicKey);
                var body = "[]"u8.ToArray();
                Assert.True(SendGridSignature.Verify(signer.PublicKey, "1700000000", body, signer.Sign("1700000000", body)));
            }

            File.WriteAllText(file, Convert.ToBase64String(key.ExportPkcs8PrivateKey()));
            using (var signer = WebhookSigner.Create(file))
            {
                Assert.Equal(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), signer.PublicKey);
            }

            using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            File.WriteAllText(file, p384.ExportPkcs8PrivateKeyPem());
            Assert.Throws<InvalidOperationException>(() => WebhookSigner.Create(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static List<(JsonElement Event, ReceivedPost Post)> Mine(IReadOnlyList<(JsonElement Event, ReceivedPost Post)> all, string messageId) =>
        [.. all.Where(e => e.Event.GetProperty("sg_message_id").GetString()!.StartsWith(messageId + ".", StringComparison.Ordinal))];
}
