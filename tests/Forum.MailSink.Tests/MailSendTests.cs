using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forum.MailSink.Tests;

[Collection(SinkCollection.Name)]
public sealed class MailSendTests(SinkFixture sink) : IAsyncLifetime
{
    public Task InitializeAsync() => sink.ResetFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_valid_mail_is_answered_202_with_an_X_Message_Id_and_kept_as_sent()
    {
        var id = SinkFixture.NewId();
        var mail = SinkFixture.ValidMail(id);
        var json = mail.ToJsonString();
        using var response = await sink.Client.PostAsync("/v3/mail/send", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        var messageId = Assert.Single(response.Headers.GetValues("X-Message-Id"));
        Assert.Matches("^[A-Za-z0-9_-]{22}$", messageId);

        var found = await sink.MessagesAsync($"?custom_args.forum_message_id={id}");
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        var kept = found.GetProperty("messages")[0];
        Assert.Equal(messageId, kept.GetProperty("id").GetString());
        Assert.Equal("Your badge", kept.GetProperty("subject").GetString());
        Assert.Equal("forum@example.org", kept.GetProperty("from").GetProperty("email").GetString());
        Assert.Equal("Hello, here is your badge.", kept.GetProperty("text").GetString());
        Assert.Equal("<p>Hello, here is your <b>badge</b>.</p>", kept.GetProperty("html").GetString());
        var attachment = kept.GetProperty("attachments")[0];
        Assert.Equal("badge.svg", attachment.GetProperty("filename").GetString());
        Assert.Equal("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".Length, attachment.GetProperty("size").GetInt32());
        var personalization = kept.GetProperty("personalizations")[0];
        Assert.Equal("member@example.org", personalization.GetProperty("to")[0].GetProperty("email").GetString());
        // The personalization's custom_args over the message's: what each event will carry.
        Assert.Equal(id, personalization.GetProperty("customArgs").GetProperty("forum_message_id").GetString());
        Assert.Equal("global-alliance-2012", personalization.GetProperty("customArgs").GetProperty("conference").GetString());
        Assert.StartsWith(messageId + ".", personalization.GetProperty("sgMessageId").GetString(), StringComparison.Ordinal);

        Assert.Equal(json, await sink.Client.GetStringAsync($"/api/messages/{messageId}/raw"));
        var one = JsonDocument.Parse(await sink.Client.GetStringAsync($"/api/messages/{messageId}")).RootElement;
        Assert.Equal(messageId, one.GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_same_mail_sent_twice_is_kept_twice_and_found_by_its_custom_arg_and_its_recipient()
    {
        var id = SinkFixture.NewId();
        var to = $"{id}@example.org";
        var first = await sink.AcceptedAsync(SinkFixture.ValidMail(id, to));
        var second = await sink.AcceptedAsync(SinkFixture.ValidMail(id, to));
        await sink.AcceptedAsync(SinkFixture.ValidMail(SinkFixture.NewId(), to));

        Assert.NotEqual(first, second);
        var byArg = await sink.MessagesAsync($"?custom_args.forum_message_id={id}");
        Assert.Equal(2, byArg.GetProperty("total").GetInt32());
        Assert.Equal([first, second], byArg.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(3, (await sink.MessagesAsync($"?to={Uri.EscapeDataString(to.ToUpperInvariant())}")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await sink.MessagesAsync($"?to={Uri.EscapeDataString(to)}&custom_args.forum_message_id=nope")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Variants_SendGrid_accepts_are_accepted()
    {
        var perPersonalization = SinkFixture.ValidMail(SinkFixture.NewId());
        perPersonalization.Remove("subject");
        perPersonalization["personalizations"]![0]!["subject"] = "Only here";
        await sink.AcceptedAsync(perPersonalization);

        var template = SinkFixture.ValidMail(SinkFixture.NewId());
        template.Remove("subject");
        template.Remove("content");
        template["template_id"] = "d-0123456789abcdef0123456789abcdef";
        template["personalizations"]![0]!["dynamic_template_data"] = new JsonObject { ["name"] = "A Member" };
        await sink.AcceptedAsync(template);

        var many = SinkFixture.ValidMail(SinkFixture.NewId());
        many.Remove("reply_to");
        many["reply_to_list"] = new JsonArray(new JsonObject { ["email"] = "a@example.org" }, new JsonObject { ["email"] = "b@example.org" });
        many["personalizations"]![0]!["cc"] = new JsonArray(new JsonObject { ["email"] = "cc@example.org" });
        many["personalizations"]![0]!["bcc"] = new JsonArray(new JsonObject { ["email"] = "bcc@example.org" });
        many["send_at"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        many["mail_settings"] = new JsonObject { ["bypass_list_management"] = new JsonObject { ["enable"] = true } };
        many["tracking_settings"] = new JsonObject { ["click_tracking"] = new JsonObject { ["enable"] = false, ["enable_text"] = false } };
        await sink.AcceptedAsync(many);
    }

    [Fact]
    public async Task A_gzipped_body_is_read()
    {
        var id = SinkFixture.NewId();
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(SinkFixture.ValidMail(id).ToJsonString()));
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await sink.Client.PostAsync("/v3/mail/send", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Without_a_key_or_with_a_wrong_one_the_answer_is_401_in_SendGrid_words()
    {
        var id = SinkFixture.NewId();
        using var anonymous = sink.Anonymous();
        await AssertErrorAsync(await sink.SendAsync(SinkFixture.ValidMail(id), anonymous), 401, null, "Permission denied, wrong credentials");

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "SG.not-a-key");
        await AssertErrorAsync(await sink.SendAsync(SinkFixture.ValidMail(id), anonymous), 401, null, "The provided authorization grant is invalid, expired, or revoked");

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", SinkFixture.ApiKey);
        await AssertErrorAsync(await sink.SendAsync(SinkFixture.ValidMail(id), anonymous), 401, null, "The provided authorization grant is invalid, expired, or revoked");

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SinkFixture.SecondKey);
        Assert.Equal(HttpStatusCode.Accepted, (await sink.SendAsync(SinkFixture.ValidMail(id), anonymous)).StatusCode);
        Assert.Equal(1, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_in_UTF_8_is_answered_415()
    {
        var id = SinkFixture.NewId();
        using var text = await sink.Client.PostAsync("/v3/mail/send", new StringContent(SinkFixture.ValidMail(id).ToJsonString(), Encoding.UTF8, "text/plain"));
        await AssertErrorAsync(text, 415, null, "Content-Type should be application/json.");

        var latin1 = new ByteArrayContent(Encoding.Latin1.GetBytes(SinkFixture.ValidMail(id).ToJsonString().Replace("Your badge", "Votre carte d'accès", StringComparison.Ordinal)));
        latin1.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await AssertErrorAsync(await sink.Client.PostAsync("/v3/mail/send", latin1), 415, null, "Invalid UTF8 in request");
        Assert.Equal(0, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_answered_413_as_SendGrid_s_nginx_does()
    {
        var mail = SinkFixture.ValidMail(SinkFixture.NewId());
        mail["attachments"]![0]!["content"] = Convert.ToBase64String(new byte[SinkFixture.MaxBody]);
        using var response = await sink.SendAsync(mail);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("413 Request Entity Too Large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(30L * 1024 * 1024, new MailSinkOptions().MaxBodyBytes);
    }

    [Fact]
    public async Task In_sandbox_mode_a_valid_mail_is_answered_200_and_not_sent()
    {
        var id = SinkFixture.NewId();
        var mail = SinkFixture.ValidMail(id);
        mail["mail_settings"] = new JsonObject { ["sandbox_mode"] = new JsonObject { ["enable"] = true } };
        using var response = await sink.SendAsync(mail);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    /// <summary>Each rule: the mutation of a valid mail, the field SendGrid names, its message (or how it starts).</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Mutations = new()
    {
        ["no personalizations"] = m => m.Remove("personalizations"),
        ["empty personalizations"] = m => m["personalizations"] = new JsonArray(),
        ["1001 personalizations"] = m => m["personalizations"] = new JsonArray([.. Enumerable.Range(0, 1001).Select(i => (JsonNode)new JsonObject
        {
            ["to"] = new JsonArray(new JsonObject { ["email"] = $"p{i}@example.org" }),
        })]),
        ["personalization not an object"] = m => m["personalizations"] = new JsonArray("member@example.org"),
        ["no to"] = m => m["personalizations"]![0]!.AsObject().Remove("to"),
        ["invalid to"] = m => m["personalizations"]![0]!["to"]![0]!["email"] = "not-an-address",
        ["invalid cc"] = m => m["personalizations"]![0]!["cc"] = new JsonArray(new JsonObject { ["email"] = "cc@" }),
        ["address over 320 characters"] = m => m["personalizations"]![0]!["to"]![0]!["email"] = new string('a', 310) + "@example.org",
        ["same address in to and bcc"] = m => m["personalizations"]![0]!["bcc"] = new JsonArray(new JsonObject { ["email"] = "MEMBER@example.org" }),
        ["1001 recipients"] = m => m["personalizations"]![0]!["to"] = new JsonArray([.. Enumerable.Range(0, 1001).Select(i => (JsonNode)new JsonObject
        {
            ["email"] = $"r{i}@example.org",
        })]),
        ["no from"] = m => m.Remove("from"),
        ["invalid from"] = m => m["from"]!["email"] = "forum",
        ["invalid reply_to"] = m => m["reply_to"]!["email"] = "protocol@",
        ["reply_to and reply_to_list"] = m => m["reply_to_list"] = new JsonArray(new JsonObject { ["email"] = "a@example.org" }),
        ["no subject"] = m => m.Remove("subject"),
        ["empty subject"] = m => m["subject"] = "",
        ["no content"] = m => m.Remove("content"),
        ["empty content value"] = m => m["content"]![1]!["value"] = "",
        ["html before text"] = m => m["content"] = new JsonArray(
            new JsonObject { ["type"] = "text/html", ["value"] = "<p>x</p>" }, new JsonObject { ["type"] = "text/plain", ["value"] = "x" }),
        ["content type with a parameter"] = m => m["content"]![1]!["type"] = "text/html; charset=utf-8",
        ["attachment not base64"] = m => m["attachments"]![0]!["content"] = "not base64!",
        ["attachment without filename"] = m => m["attachments"]![0]!.AsObject().Remove("filename"),
        ["attachment disposition"] = m => m["attachments"]![0]!["disposition"] = "sideways",
        ["reserved header"] = m => m["headers"] = new JsonObject { ["Subject"] = "Another" },
        ["header value not a string"] = m => m["headers"] = new JsonObject { ["X-Count"] = 1 },
        ["header name with a space"] = m => m["headers"] = new JsonObject { ["X Forum"] = "1" },
        ["reserved personalization header"] = m => m["personalizations"]![0]!["headers"] = new JsonObject { ["reply-to"] = "a@example.org" },
        ["custom arg not a string"] = m => m["custom_args"] = new JsonObject { ["attempt"] = 1 },
        ["empty custom args"] = m => m["custom_args"] = new JsonObject(),
        ["custom args over 10000 bytes"] = m => m["personalizations"]![0]!["custom_args"]!["padding"] = new string('x', 10_000),
        ["11 categories"] = m => m["categories"] = new JsonArray([.. Enumerable.Range(0, 11).Select(i => (JsonNode)$"c{i}")]),
        ["repeated category"] = m => m["categories"] = new JsonArray("badge", "badge"),
        ["send_at not an integer"] = m => m["send_at"] = "tomorrow",
        ["send_at beyond 72 hours"] = m => m["send_at"] = DateTimeOffset.UtcNow.AddHours(73).ToUnixTimeSeconds(),
        ["sandbox enable not a boolean"] = m => m["mail_settings"] = new JsonObject { ["sandbox_mode"] = new JsonObject { ["enable"] = "yes" } },
        ["click tracking enable not a boolean"] = m => m["tracking_settings"] = new JsonObject { ["click_tracking"] = new JsonObject { ["enable"] = 1 } },
        ["asm group not an integer"] = m => m["asm"] = new JsonObject { ["group_id"] = "news" },
    };

    [Theory]
    [InlineData("no personalizations", "personalizations", MailValidator.PersonalizationsRequired)]
    [InlineData("empty personalizations", "personalizations", MailValidator.PersonalizationsRequired)]
    [InlineData("1001 personalizations", "personalizations", "The personalization block is limited to 1000 personalizations per API request. You have provided 1001 personalizations.")]
    [InlineData("personalization not an object", "personalizations.0", "Invalid type. Expected: object, given: string.")]
    [InlineData("no to", "personalizations.0.to", MailValidator.ToRequired)]
    [InlineData("invalid to", "personalizations.0.to.0.email", MailValidator.InvalidAddress)]
    [InlineData("invalid cc", "personalizations.0.cc.0.email", MailValidator.InvalidAddress)]
    [InlineData("address over 320 characters", "personalizations.0.to.0.email", "The To email exceeds the maximum total length of 320 characters")]
    [InlineData("same address in to and bcc", "personalizations.0", "Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [MEMBER@example.org] in the personalizations.0.bcc field.")]
    [InlineData("1001 recipients", "personalizations", MailValidator.TooManyRecipients)]
    [InlineData("no from", "from", MailValidator.FromRequired)]
    [InlineData("invalid from", "from.email", MailValidator.FromInvalid)]
    [InlineData("invalid reply_to", "reply_to.email", "The reply_to email does not contain a valid address.")]
    [InlineData("reply_to and reply_to_list", "reply_to_list", "The reply_to and reply_to_list parameters are mutually exclusive")]
    [InlineData("no subject", "subject", MailValidator.SubjectRequired)]
    [InlineData("empty subject", "subject", MailValidator.SubjectEmpty)]
    [InlineData("no content", "content", MailValidator.ContentRequired)]
    [InlineData("empty content value", "content.1.value", MailValidator.ContentValueEmpty)]
    [InlineData("html before text", "content", MailValidator.ContentOrder)]
    [InlineData("content type with a parameter", "content.1.type", "The content type cannot contain ';', or CRLF characters.")]
    [InlineData("attachment not base64", "attachments.0.content", MailValidator.AttachmentNotBase64)]
    [InlineData("attachment without filename", "attachments.0.filename", "filename is required.")]
    [InlineData("attachment disposition", "attachments.0.disposition", "The disposition of your attachment can be either \"inline\" or \"attachment\". You provided sideways.")]
    [InlineData("reserved header", "headers", MailValidator.ReservedHeader)]
    [InlineData("header value not a string", "headers", "The header values must be strings.")]
    [InlineData("header name with a space", "headers", "Header keys cannot contain non-ASCII characters and empty spaces.")]
    [InlineData("reserved personalization header", "personalizations.0.headers", "Header cannot be one of the reserved keys.")]
    [InlineData("custom arg not a string", "custom_args", "All values of custom arguments object must be strings")]
    [InlineData("empty custom args", "custom_args", "custom_args cannot be empty.")]
    [InlineData("custom args over 10000 bytes", "personalizations.0.custom_args", "The combined size of both global and personalization custom arguments may not exceed 10,000 bytes per personalization.")]
    [InlineData("11 categories", "categories", "There is a limit of 10 categories for each email that is sent. You provided 11 categories.")]
    [InlineData("repeated category", "categories", "The categories must be a unique list, and you have included badge more than once.")]
    [InlineData("send_at not an integer", "send_at", "The send_at parameter is expecting a Unix timestamp as an integer.")]
    [InlineData("send_at beyond 72 hours", "send_at", MailValidator.SendAtTooFar)]
    [InlineData("sandbox enable not a boolean", "mail_settings.sandbox_mode.enable", "The sandbox mode enable param should be a boolean value.")]
    [InlineData("click tracking enable not a boolean", "tracking_settings.click_tracking.enable", "The click tracking enable param should be a boolean value.")]
    [InlineData("asm group not an integer", "asm.group_id", "The ASM group ID must be an integer.")]
    public async Task Each_rule_is_answered_400_with_SendGrid_s_error(string rule, string field, string message)
    {
        var id = SinkFixture.NewId();
        var mail = SinkFixture.ValidMail(id);
        Mutations[rule](mail);

        var error = await AssertErrorAsync(await sink.SendAsync(mail), 400, field, message);
        if (error.GetProperty("help").ValueKind == JsonValueKind.String)
        {
            Assert.StartsWith("http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#", error.GetProperty("help").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, (await sink.MessagesAsync($"?custom_args.forum_message_id={id}")).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"personalizations\": [")]
    [InlineData("[]")]
    public async Task A_body_that_is_not_a_JSON_object_is_a_Bad_Request(string body)
    {
        using var response = await sink.Client.PostAsync("/v3/mail/send", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertErrorAsync(response, 400, null, MailValidator.BadRequest);
    }

    [Fact]
    public async Task Every_error_of_a_mail_is_reported_at_once()
    {
        var mail = SinkFixture.ValidMail(SinkFixture.NewId());
        mail.Remove("from");
        mail["subject"] = "";
        mail["attachments"]![0]!["content"] = "%%%";
        using var response = await sink.SendAsync(mail);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(["from", "subject", "attachments.0.content"], errors.EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    /// <summary>The answer is SendGrid's error shape, and one of its errors is the expected one.</summary>
    private static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, int status, string? field, string message)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
            foreach (var error in errors.EnumerateArray())
            {
                Assert.Equal(["message", "field", "help"], error.EnumerateObject().Select(p => p.Name));
            }

            var match = errors.EnumerateArray().FirstOrDefault(e =>
                e.GetProperty("field").GetString() == field && e.GetProperty("message").GetString()!.StartsWith(message, StringComparison.Ordinal));
            Assert.True(match.ValueKind == JsonValueKind.Object, $"no error ({field}: {message}) in {body}");
            return match;
        }
    }
}
