using System.Net;
using System.Text;
using System.Text.Json;
using SendGrid;
using SendGrid.Helpers.Errors.Model;
using SendGrid.Helpers.EventWebhook;
using SendGrid.Helpers.Mail;

namespace Forum.MailSink.Tests;

/// <summary>
/// SendGrid's official C# library (9.29.3) against the local SendGrid over HTTP: its sends are accepted or refused as
/// SendGrid would, in words it understands, and its RequestValidator verifies the events the sink signs. The API keeps
/// its own client for the reasons in docs/mail.md ("Why the API keeps its own SendGrid client").
/// </summary>
[Collection(SinkCollection.Name)]
public sealed class SendGridSdkTests(SinkFixture sink) : IAsyncLifetime, IDisposable
{
    private readonly HttpClient http = new();

    public Task InitializeAsync()
    {
        sink.Receiver.RefuseNext(0);
        return sink.ResetFaultsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => http.Dispose();

    private SendGridClient Client(string apiKey = SinkFixture.ApiKey, bool errorsAsExceptions = false) =>
        new(http, new SendGridClientOptions { ApiKey = apiKey, Host = sink.Url.ToString(), HttpErrorAsException = errorsAsExceptions });

    /// <summary>A mail as the library builds one, with our message id in the personalization's custom_args.</summary>
    private static SendGridMessage Mail(string id, string to = "member@example.org")
    {
        var mail = new SendGridMessage
        {
            From = new EmailAddress("forum@example.org", "Forum"),
            ReplyTo = new EmailAddress("protocol@example.org"),
            Subject = "Votre invitation à la conférence 🎉",
            PlainTextContent = "Bonjour, voici votre invitation.",
            HtmlContent = "<p>Bonjour, voici votre <b>invitation</b>.</p>",
        };
        mail.AddTo(new EmailAddress(to, "Un Membre"));
        mail.AddCustomArg("forum_message_id", id);
        mail.AddHeader("X-Forum-Message-Id", id);
        mail.AddCategory("accreditation");
        mail.AddAttachment("invitation.ics", Convert.ToBase64String("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"u8), "text/calendar");
        return mail;
    }

    [Fact]
    public async Task The_official_client_s_good_mail_is_accepted_202_with_an_X_Message_Id_and_kept_as_built()
    {
        var id = SinkFixture.NewId();
        var response = await Client().SendEmailAsync(Mail(id));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(response.IsSuccessStatusCode);
        var messageId = Assert.Single(response.Headers.GetValues("X-Message-Id"));
        var found = await sink.MessagesAsync($"?custom_args.forum_message_id={id}");
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        var kept = found.GetProperty("messages")[0];
        Assert.Equal(messageId, kept.GetProperty("id").GetString());
        Assert.Equal("Votre invitation à la conférence 🎉", kept.GetProperty("subject").GetString());
        Assert.Equal("Bonjour, voici votre invitation.", kept.GetProperty("text").GetString());
        Assert.Equal("<p>Bonjour, voici votre <b>invitation</b>.</p>", kept.GetProperty("html").GetString());
        Assert.Equal("invitation.ics", kept.GetProperty("attachments")[0].GetProperty("filename").GetString());
        Assert.Equal("member@example.org", kept.GetProperty("personalizations")[0].GetProperty("to")[0].GetProperty("email").GetString());

        // In sandbox mode SendGrid validates and answers 200 without sending: so does the sink.
        var sandboxed = Mail(SinkFixture.NewId());
        sandboxed.SetSandBoxMode(true);
        Assert.Equal(HttpStatusCode.OK, (await Client().SendEmailAsync(sandboxed)).StatusCode);
    }

    /// <summary>Each case: what the library is asked to send, the status, and SendGrid's first error (field, message).</summary>
    public static TheoryData<string, int, string?, string> Refusals => new()
    {
        { "an invalid recipient", 400, "personalizations.0.to.0.email", MailValidator.InvalidAddress },
        { "no sender", 400, "from", MailValidator.FromRequired },
        { "an empty subject", 400, "subject", MailValidator.SubjectEmpty },
        { "an attachment not in base64", 400, "attachments.0.content", MailValidator.AttachmentNotBase64 },
        // The library's AddHeader puts a header in the first personalization, where SendGrid words the refusal otherwise.
        { "a reserved header", 400, "personalizations.0.headers", "Header cannot be one of the reserved keys." },
        { "eleven categories", 400, "categories", "There is a limit of 10 categories for each email that is sent. You provided 11 categories." },
        { "a send_at four days ahead", 400, "send_at", MailValidator.SendAtTooFar },
        { "a wrong API key", 401, null, "The provided authorization grant is invalid, expired, or revoked" },
    };

    private static SendGridMessage Refused(string what, string id)
    {
        var mail = Mail(id);
        switch (what)
        {
            case "an invalid recipient":
                mail.Personalizations[0].Tos[0] = new EmailAddress("not-an-address");
                break;
            case "no sender":
                mail.From = null;
                break;
            case "an empty subject":
                mail.Subject = "";
                break;
            case "an attachment not in base64":
                mail.Attachments[0].Content = "not base64!";
                break;
            case "a reserved header":
                mail.AddHeader("Subject", "Another subject");
                break;
            case "eleven categories":
                mail.AddCategories([.. Enumerable.Range(0, 10).Select(i => $"c{i}")]);
                break;
            case "a send_at four days ahead":
                mail.SendAt = DateTimeOffset.UtcNow.AddDays(4).ToUnixTimeSeconds();
                break;
        }

        return mail;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task The_official_client_s_bad_mails_are_refused_with_SendGrid_s_error_shape(string what, int status, string? field, string message)
    {
        var id = SinkFixture.NewId();
        var apiKey = what == "a wrong API key" ? "SG.not-a-key" : SinkFixture.ApiKey;

        var response = await Client(apiKey).SendEmailAsync(Refused(what, id));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("application/json", response.Body.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(await response.Body.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.All(errors.EnumerateArray(), e => Assert.Equal(["message", "field", "help"], e.EnumerateObject().Select(p => p.Name)));
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("field").GetString() == field && e.GetProperty("message").GetString()!.StartsWith(message, StringComparison.Ordinal));

        // The library's own reading of an error (HttpErrorAsException) finds SendGrid's first error in it.
        var thrown = await Assert.ThrowsAnyAsync<RequestErrorException>(() => Client(apiKey, errorsAsExceptions: true).SendEmailAsync(Refused(what, id)));
        Assert.Equal(status == 401 ? typeof(UnauthorizedException) : typeof(BadRequestException), thrown.GetType());
        var reading = JsonDocument.Parse(thrown.Message).RootElement;
        Assert.Equal(status, reading.GetProperty("ErrorHttpStatusCode").GetInt32());
        Assert.Equal(errors[0].GetProperty("message").GetString(), reading.GetProperty("SendGridErrorMessage").GetString());
        Assert.Equal(errors[0].GetProperty("field").GetString(), reading.GetProperty("FieldWithError").GetString());

        Assert.Equal(0, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task The_official_client_is_told_of_a_rate_limit_with_429_and_when_it_ends()
    {
        await sink.SetFaultsAsync("""{"next": [{"status": 429, "retryAfterSeconds": 30}, {"status": 429, "retryAfterSeconds": 30}]}""");
        var id = SinkFixture.NewId();

        var response = await Client().SendEmailAsync(Mail(id));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var reset = long.Parse(Assert.Single(response.Headers.GetValues("X-RateLimit-Reset")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 25, 31);
        await Assert.ThrowsAsync<TooManyRequestsException>(() => Client(errorsAsExceptions: true).SendEmailAsync(Mail(id)));

        Assert.Equal(HttpStatusCode.Accepted, (await Client().SendEmailAsync(Mail(id))).StatusCode);
        Assert.Equal(1, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task SendGrid_s_RequestValidator_verifies_the_local_SendGrid_s_signed_events_and_rejects_a_tampered_payload()
    {
        var id = SinkFixture.NewId();
        var mail = Mail(id, $"{id}@example.org");
        mail.AddTo(new EmailAddress($"{id}@bounce.test"));
        var response = await Client().SendEmailAsync(mail);
        var messageId = Assert.Single(response.Headers.GetValues("X-Message-Id"));
        var events = await sink.Receiver.WaitForAsync(
            all => Mine(all, messageId).Count >= 4, what: "processed, delivered, processed, bounce");
        var validator = new RequestValidator();
        var publicKey = validator.ConvertPublicKeyToECDSA(await sink.Client.GetStringAsync("/webhook/public-key"));
        var posts = Mine(events, messageId).Select(e => e.Post).Distinct().ToList();

        Assert.NotEmpty(posts);
        foreach (var post in posts)
        {
            // The payload as SendGrid's documentation has it: the raw body, as received.
            var payload = Encoding.UTF8.GetString(post.Body);
            Assert.True(validator.VerifySignature(publicKey, payload, post.Signature!, post.Timestamp!), "SendGrid's library verifies the sink's signature");
            Assert.False(validator.VerifySignature(publicKey, payload.Replace(id, SinkFixture.NewId(), StringComparison.Ordinal), post.Signature!, post.Timestamp!));
            Assert.False(validator.VerifySignature(publicKey, payload + " ", post.Signature!, post.Timestamp!));
            var otherTime = (long.Parse(post.Timestamp!, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(validator.VerifySignature(publicKey, payload, post.Signature!, otherTime));
        }
    }

    [Fact]
    public void SendGrid_s_RequestValidator_still_throws_on_a_malformed_signature_where_a_verifier_should_say_no()
    {
        // STACK.md: correct, but it throws on a malformed signature (and has no timestamp window); the API's own
        // verification answers 403 instead. When this fails, docs/mail.md's reasons are to be weighed again.
        var validator = new RequestValidator();
        var publicKey = validator.ConvertPublicKeyToECDSA("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==");
        Assert.ThrowsAny<Exception>(() => validator.VerifySignature(publicKey, "[]", "bm90IGEgc2lnbmF0dXJl", "1588788367"));
    }

    private static List<(JsonElement Event, ReceivedPost Post)> Mine(IReadOnlyList<(JsonElement Event, ReceivedPost Post)> all, string messageId) =>
        [.. all.Where(e => e.Event.GetProperty("sg_message_id").GetString()!.StartsWith(messageId + ".", StringComparison.Ordinal))];
}
