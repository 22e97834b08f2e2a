using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Forum.MailSink;

/// <summary>One entry of SendGrid's error answer: <c>{"errors":[{"message","field","help"}]}</c>.</summary>
public sealed record SendGridError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("field")] string? Field,
    [property: JsonPropertyName("help")] string? Help);

public sealed record MailValidation(StoredMail? Mail, IReadOnlyList<SendGridError> Errors, bool Sandbox);

/// <summary>
/// Reads a v3 Mail Send body as SendGrid does: every rule it documents
/// (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors) that a sink can check without an account
/// (templates, unsubscribe groups and IP pools are not checked against anything), every error reported at once with
/// SendGrid's message, field path (<c>personalizations.0.to.1.email</c>) and help link.
/// </summary>
public static class MailValidator
{
    public const string BadRequest = "Bad Request";

    private const string HelpBase = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#";
    private const string Example = "e.g. {\"email\": \"example@example.com\"} or {\"email\": \"example@example.com\", \"name\": \"Example Recipient\"}";

    public const string PersonalizationsRequired = "The personalizations field is required and must have at least one personalization.";
    public const string ToRequired = "The to array is required for all personalization objects, and must have at least one email object with a valid email address.";
    public const string InvalidAddress = "Does not contain a valid address.";
    public const string FromRequired = "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.  " + Example + ".";
    public const string FromInvalid = "The from email does not contain a valid address.";
    public const string SubjectRequired = "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.";
    public const string SubjectEmpty = "The subject of your email must be a string at least one character in length.";
    public const string ContentRequired = "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.";
    public const string ContentValueEmpty = "The content value must be a string at least one character in length.";
    public const string ContentOrder = "Following RFC 1341, section 7.2, if either text/html or text/plain are to be sent in your email: text/plain needs to be first, followed by text/html, followed by any other content.";
    public const string AttachmentNotBase64 = "The attachment content must be base64 encoded.";
    public const string ReservedHeader = "Header can not be one of the reserved keys.";
    public const string TooManyRecipients = "There is a limit of 1000 total recipients (to + cc + bcc) per request.";
    public const string SendAtTooFar = "Scheduling more than 72 hours in advance is forbidden.";

    /// <summary>Headers SendGrid sets itself (compared without case).</summary>
    public static readonly IReadOnlySet<string> ReservedHeaders = new HashSet<string>(
        ["x-sg-id", "x-sg-eid", "received", "dkim-signature", "Content-Type", "Content-Transfer-Encoding", "To", "From", "Subject", "Reply-To", "CC", "BCC"],
        StringComparer.OrdinalIgnoreCase);

    public static MailValidation Validate(ReadOnlyMemory<byte> body, string id, DateTimeOffset now)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return new MailValidation(null, [new SendGridError(BadRequest, null, null)], false);
        }

        using (document)
        {
            var reader = new Reader(now);
            var mail = reader.Read(document.RootElement, id, body);
            return new MailValidation(reader.Errors.Count == 0 ? mail : null, reader.Errors, reader.Sandbox);
        }
    }

    public static string Help(string anchor) => HelpBase + (anchor.StartsWith('-') ? anchor : "message." + anchor);

    /// <summary>A pragmatic address check: one @, a dotted domain of letters, digits and hyphens, nothing a header would choke on.</summary>
    public static bool IsEmail(string s)
    {
        var at = s.IndexOf('@');
        if (at <= 0 || at != s.LastIndexOf('@') || at == s.Length - 1)
        {
            return false;
        }

        var local = s.AsSpan(0, at);
        var domain = s.AsSpan(at + 1);
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in local)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || "()<>[]:;,\\\"".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        var labels = 0;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }

            labels++;
        }

        return labels >= 2;
    }

    private sealed class Reader(DateTimeOffset now)
    {
        public List<SendGridError> Errors { get; } = [];

        public bool Sandbox { get; private set; }

        private void Error(string message, string? field, string? anchor)
        {
            var error = new SendGridError(message, field, anchor is null ? null : Help(anchor));
            if (!Errors.Contains(error))
            {
                Errors.Add(error);
            }
        }

        private static string KindOf(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => e.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Null => "null",
            _ => "undefined",
        };

        private bool Expect(JsonElement e, JsonValueKind kind, string field, string? anchor)
        {
            if (e.ValueKind == kind)
            {
                return true;
            }

            Error($"Invalid type. Expected: {(kind == JsonValueKind.True ? "boolean" : kind.ToString().ToLowerInvariant())}, given: {KindOf(e)}.", field, anchor);
            return false;
        }

        public StoredMail? Read(JsonElement root, string id, ReadOnlyMemory<byte> raw)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Error(BadRequest, null, null);
                return null;
            }

            string? templateId = null;
            if (root.TryGetProperty("template_id", out var tpl))
            {
                if (tpl.ValueKind == JsonValueKind.String)
                {
                    templateId = tpl.GetString();
                }
                else
                {
                    Error($"The template ID must be a string, you provided {tpl.GetRawText()}.", "template_id", "template_id");
                }
            }

            var hasTemplate = !string.IsNullOrEmpty(templateId);
            var personalizations = ReadPersonalizations(root);
            var from = ReadFrom(root);
            var (replyTo, replyToList) = ReadReplyTo(root);
            var subject = ReadSubject(root, personalizations, hasTemplate);
            var content = ReadContent(root, hasTemplate);
            var attachments = ReadAttachments(root);
            var headers = ReadHeaders(root, "headers", "headers", personalization: false);
            var categories = ReadCategories(root);
            var customArgs = ReadCustomArgs(root, "custom_args", "custom_args");
            var sendAt = ReadSendAt(root, "send_at", "send_at");
            var batchId = ReadString(root, "batch_id", "The batch_id must be a string.");
            ReadString(root, "ip_pool_name", "The name of your IP pool must be a string.");
            ReadAsm(root);
            ReadSettings(root);

            for (var i = 0; i < personalizations.Count; i++)
            {
                var size = 0;
                foreach (var (k, v) in Merge(customArgs, personalizations[i].CustomArgs))
                {
                    size += Encoding.UTF8.GetByteCount(k) + Encoding.UTF8.GetByteCount(v);
                }

                if (size > 10_000)
                {
                    Error("The combined size of both global and personalization custom arguments may not exceed 10,000 bytes per personalization.",
                        $"personalizations.{i}.custom_args", "personalizations.custom_args");
                }
            }

            if (Errors.Count > 0 || from is null)
            {
                return null;
            }

            return new StoredMail
            {
                Id = id,
                ReceivedAt = now,
                From = from,
                ReplyTo = replyTo,
                ReplyToList = replyToList,
                Subject = subject,
                Personalizations = personalizations,
                Content = content,
                Attachments = attachments,
                Categories = categories,
                CustomArgs = customArgs,
                Headers = headers,
                SendAt = sendAt,
                TemplateId = templateId,
                BatchId = batchId,
                RawBody = raw,
            };
        }

        private static IEnumerable<KeyValuePair<string, string>> Merge(IReadOnlyDictionary<string, string> global, IReadOnlyDictionary<string, string> own) =>
            global.Where(g => !own.ContainsKey(g.Key)).Concat(own);

        private List<MailPersonalization> ReadPersonalizations(JsonElement root)
        {
            var result = new List<MailPersonalization>();
            if (!root.TryGetProperty("personalizations", out var ps))
            {
                Error(PersonalizationsRequired, "personalizations", "-Personalizations-Errors");
                return result;
            }

            if (!Expect(ps, JsonValueKind.Array, "personalizations", "personalizations"))
            {
                return result;
            }

            var count = ps.GetArrayLength();
            if (count == 0)
            {
                Error(PersonalizationsRequired, "personalizations", "-Personalizations-Errors");
                return result;
            }

            if (count > 1000)
            {
                Error($"The personalization block is limited to 1000 personalizations per API request. You have provided {count} personalizations. Please consider splitting this into multiple requests and resending your request.",
                    "personalizations", "personalizations");
                return result;
            }

            var recipients = 0;
            var i = 0;
            foreach (var p in ps.EnumerateArray())
            {
                var field = $"personalizations.{i++}";
                if (!Expect(p, JsonValueKind.Object, field, "personalizations"))
                {
                    continue;
                }

                List<MailAddress> to = [];
                if (!p.TryGetProperty("to", out var toElement) || (toElement.ValueKind == JsonValueKind.Array && toElement.GetArrayLength() == 0))
                {
                    Error(ToRequired, field + ".to", "personalizations.to");
                }
                else
                {
                    to = ReadRecipients(toElement, field + ".to", "To", "personalizations.to");
                }

                var cc = p.TryGetProperty("cc", out var ccElement) ? ReadRecipients(ccElement, field + ".cc", "CC", "personalizations.cc") : [];
                var bcc = p.TryGetProperty("bcc", out var bccElement) ? ReadRecipients(bccElement, field + ".bcc", "BCC", "personalizations.bcc") : [];
                recipients += to.Count + cc.Count + bcc.Count;

                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var duplicate = to.Select(a => (a.Email, List: "to")).Concat(cc.Select(a => (a.Email, List: "cc"))).Concat(bcc.Select(a => (a.Email, List: "bcc")))
                    .FirstOrDefault(a => !seen.Add(a.Email));
                if (duplicate.Email is not null)
                {
                    Error($"Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [{duplicate.Email}] in the {field}.{duplicate.List} field.",
                        field, "personalizations");
                }

                MailAddress? from = null;
                if (p.TryGetProperty("from", out var fromElement))
                {
                    from = ReadAddress(fromElement, field + ".from", "From", "from", FromRequired, FromInvalid);
                }

                string? subject = null;
                if (p.TryGetProperty("subject", out var subjectElement))
                {
                    subject = subjectElement.ValueKind == JsonValueKind.String ? subjectElement.GetString() : null;
                    if (string.IsNullOrEmpty(subject))
                    {
                        Error(SubjectEmpty, field + ".subject", "personalizations.subject");
                    }
                }

                var substitutions = ReadStringMap(p, field + ".substitutions", "personalizations.substitutions",
                    "The substitution values must be an object of key/value pairs, where the values are all strings.");
                if (substitutions.Count > 10_000)
                {
                    Error("You are limited to 10,000 substitutions.", field + ".substitutions", "personalizations.substitutions");
                }

                if (p.TryGetProperty("dynamic_template_data", out var data))
                {
                    Expect(data, JsonValueKind.Object, field + ".dynamic_template_data", null);
                }

                result.Add(new MailPersonalization
                {
                    To = to,
                    Cc = cc,
                    Bcc = bcc,
                    From = from,
                    Subject = subject,
                    Headers = ReadHeaders(p, field + ".headers", "personalizations.headers", personalization: true),
                    Substitutions = substitutions,
                    CustomArgs = ReadCustomArgs(p, field + ".custom_args", "personalizations.custom_args"),
                    SendAt = ReadSendAt(p, field + ".send_at", "personalizations.send_at"),
                });
            }

            if (recipients > 1000)
            {
                Error(TooManyRecipients, "personalizations", "personalizations");
            }

            return result;
        }

        private List<MailAddress> ReadRecipients(JsonElement list, string field, string label, string anchor)
        {
            var result = new List<MailAddress>();
            if (!Expect(list, JsonValueKind.Array, field, anchor))
            {
                return result;
            }

            var lower = label.ToLowerInvariant();
            var missing = $"The {lower} array, when used, must at least have an email parameter with a valid email address and it may also contain a name parameter. {Example}";
            if (list.GetArrayLength() == 0)
            {
                Error(missing, field, anchor);
                return result;
            }

            var i = 0;
            foreach (var element in list.EnumerateArray())
            {
                var address = ReadAddress(element, $"{field}.{i++}", label, anchor, missing, InvalidAddress);
                if (address is not null)
                {
                    result.Add(address);
                }
            }

            return result;
        }

        private MailAddress? ReadAddress(JsonElement element, string field, string label, string anchor, string missing, string invalid)
        {
            if (!Expect(element, JsonValueKind.Object, field, anchor))
            {
                return null;
            }

            if (!element.TryGetProperty("email", out var emailElement) || emailElement.ValueKind != JsonValueKind.String || emailElement.GetString() is not { Length: > 0 } email)
            {
                Error(missing, field + ".email", anchor);
                return null;
            }

            string? name = null;
            if (element.TryGetProperty("name", out var nameElement) && Expect(nameElement, JsonValueKind.String, field + ".name", anchor))
            {
                name = nameElement.GetString();
            }

            if (email.Length > 320)
            {
                Error($"The {label} email exceeds the maximum total length of 320 characters", field + ".email", anchor);
                return null;
            }

            if (!IsEmail(email))
            {
                Error(invalid, field + ".email", anchor);
                return null;
            }

            return new MailAddress(email, name);
        }

        private MailAddress? ReadFrom(JsonElement root)
        {
            if (!root.TryGetProperty("from", out var from))
            {
                Error(FromRequired, "from", "from");
                return null;
            }

            return ReadAddress(from, "from", "From", "from", FromRequired, FromInvalid);
        }

        private (MailAddress? ReplyTo, List<MailAddress> List) ReadReplyTo(JsonElement root)
        {
            var missing = $"The reply_to object, when used, must at least have an email parameter with a valid email address and it may also contain a name parameter. {Example}";
            var hasOne = root.TryGetProperty("reply_to", out var one);
            var hasList = root.TryGetProperty("reply_to_list", out var list);
            if (hasOne && hasList)
            {
                Error("The reply_to and reply_to_list parameters are mutually exclusive: use one or the other.", "reply_to_list", "reply_to");
                return (null, []);
            }

            if (hasOne)
            {
                return (ReadAddress(one, "reply_to", "Reply-To", "reply_to", missing, "The reply_to email does not contain a valid address."), []);
            }

            var result = new List<MailAddress>();
            if (hasList && Expect(list, JsonValueKind.Array, "reply_to_list", "reply_to"))
            {
                if (list.GetArrayLength() is 0 or > 1000)
                {
                    Error("The reply_to_list must have between 1 and 1000 email objects.", "reply_to_list", "reply_to");
                    return (null, result);
                }

                var i = 0;
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var element in list.EnumerateArray())
                {
                    var address = ReadAddress(element, $"reply_to_list.{i++}", "Reply-To", "reply_to", missing, "The reply_to email does not contain a valid address.");
                    if (address is not null && !seen.Add(address.Email))
                    {
                        Error($"Each email address in the reply_to_list should be unique. You have included {address.Email} more than once.", "reply_to_list", "reply_to");
                    }
                    else if (address is not null)
                    {
                        result.Add(address);
                    }
                }
            }

            return (null, result);
        }

        private string? ReadSubject(JsonElement root, List<MailPersonalization> personalizations, bool hasTemplate)
        {
            string? subject = null;
            if (root.TryGetProperty("subject", out var element))
            {
                subject = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
                if (string.IsNullOrEmpty(subject))
                {
                    Error(SubjectEmpty, "subject", "subject");
                    return null;
                }
            }

            if (subject is null && !hasTemplate && personalizations.Count > 0 && personalizations.Any(p => p.Subject is null))
            {
                Error(SubjectRequired, "subject", "subject");
            }

            return subject;
        }

        private List<MailContent> ReadContent(JsonElement root, bool hasTemplate)
        {
            var result = new List<MailContent>();
            if (!root.TryGetProperty("content", out var content))
            {
                if (!hasTemplate)
                {
                    Error(ContentRequired, "content", "content");
                }

                return result;
            }

            if (!Expect(content, JsonValueKind.Array, "content", "content"))
            {
                return result;
            }

            if (content.GetArrayLength() == 0 && !hasTemplate)
            {
                Error(ContentRequired, "content", "content");
            }

            var i = 0;
            foreach (var block in content.EnumerateArray())
            {
                var field = $"content.{i++}";
                if (!Expect(block, JsonValueKind.Object, field, "content"))
                {
                    continue;
                }

                string? type = null;
                if (!block.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String || (type = typeElement.GetString()) is not { Length: > 0 })
                {
                    Error("Your content type must be a string with length of at least one character.", field + ".type", "content.type");
                }
                else if (type.AsSpan().IndexOfAny(";\r\n") >= 0)
                {
                    Error("The content type cannot contain ';', or CRLF characters.", field + ".type", "content.type");
                    type = null;
                }

                string? value = null;
                if (!block.TryGetProperty("value", out var valueElement))
                {
                    Error("A content value is required, this is the content of the email you are sending.", field + ".value", "content.value");
                }
                else if (valueElement.ValueKind != JsonValueKind.String || (value = valueElement.GetString()) is not { Length: > 0 })
                {
                    Error(ContentValueEmpty, field + ".value", "content.value");
                }

                if (type is not null && value is not null)
                {
                    result.Add(new MailContent(type, value));
                }
            }

            static int Rank(MailContent c) =>
                c.Type.Equals("text/plain", StringComparison.OrdinalIgnoreCase) ? 0 : c.Type.Equals("text/html", StringComparison.OrdinalIgnoreCase) ? 1 : 2;
            for (var k = 1; k < result.Count; k++)
            {
                if (Rank(result[k]) < Rank(result[k - 1]))
                {
                    Error(ContentOrder, "content", "content.value");
                    break;
                }
            }

            if (result.Count(c => Rank(c) == 0) > 1 || result.Count(c => Rank(c) == 1) > 1)
            {
                Error("If present, text/plain and text/html may only be provided once.", "content", "content");
            }

            return result;
        }

        private List<MailAttachment> ReadAttachments(JsonElement root)
        {
            var result = new List<MailAttachment>();
            if (!root.TryGetProperty("attachments", out var attachments) || !Expect(attachments, JsonValueKind.Array, "attachments", "attachments.content"))
            {
                return result;
            }

            var i = 0;
            foreach (var a in attachments.EnumerateArray())
            {
                var field = $"attachments.{i++}";
                if (!Expect(a, JsonValueKind.Object, field, "attachments.content"))
                {
                    continue;
                }

                var ok = true;
                string? content = null;
                if (!a.TryGetProperty("content", out var contentElement) || contentElement.ValueKind != JsonValueKind.String || (content = contentElement.GetString()) is not { Length: > 0 })
                {
                    Error("The attachment content must be a string at least one character in length.", field + ".content", "attachments.content");
                    ok = false;
                }
                else if (!Base64.IsValid(content) || content.AsSpan().ContainsAny(" \t\r\n"))
                {
                    Error(AttachmentNotBase64, field + ".content", "attachments.content");
                    ok = false;
                }

                string? filename = null;
                if (!a.TryGetProperty("filename", out var filenameElement))
                {
                    Error("filename is required.", field + ".filename", "attachments.filename");
                    ok = false;
                }
                else if (filenameElement.ValueKind != JsonValueKind.String || (filename = filenameElement.GetString()) is not { Length: > 0 })
                {
                    Error("The filename of your attachment must be a string.", field + ".filename", "attachments.filename");
                    ok = false;
                }
                else if (filename.AsSpan().IndexOfAny(";,\r\n") >= 0)
                {
                    Error("The filename of your attachment cannot contain CRLF characters.", field + ".filename", "attachments.filename");
                    ok = false;
                }

                string? type = null;
                if (a.TryGetProperty("type", out var typeElement))
                {
                    if (typeElement.ValueKind != JsonValueKind.String || (type = typeElement.GetString()) is not { Length: > 0 })
                    {
                        Error("The attachment type must be a string and at least one character in length.", field + ".type", "attachments.type");
                        ok = false;
                    }
                    else if (type.AsSpan().IndexOfAny(";\r\n") >= 0)
                    {
                        Error("The type cannot contain ';', or CRLF characters.", field + ".type", "attachments.type");
                        ok = false;
                    }
                }

                var disposition = "attachment";
                if (a.TryGetProperty("disposition", out var dispositionElement))
                {
                    var d = dispositionElement.ValueKind == JsonValueKind.String ? dispositionElement.GetString() : dispositionElement.GetRawText();
                    if (d is "inline" or "attachment")
                    {
                        disposition = d;
                    }
                    else
                    {
                        Error($"The disposition of your attachment can be either \"inline\" or \"attachment\". You provided {d}.", field + ".disposition", "attachments.disposition");
                        ok = false;
                    }
                }

                string? contentId = null;
                if (a.TryGetProperty("content_id", out var cidElement))
                {
                    if (cidElement.ValueKind != JsonValueKind.String)
                    {
                        Error($"The content ID of your attachment must be a string. You provided {cidElement.GetRawText()}.", field + ".content_id", "attachments.content_id");
                        ok = false;
                    }
                    else if ((contentId = cidElement.GetString())!.AsSpan().IndexOfAny(";,\r\n") >= 0)
                    {
                        Error("The content ID of your attachment cannot contain CRLF characters.", field + ".content_id", "attachments.content_id");
                        ok = false;
                    }
                }

                if (ok)
                {
                    result.Add(new MailAttachment(filename!, type, disposition, contentId, content!));
                }
            }

            return result;
        }

        private Dictionary<string, string> ReadHeaders(JsonElement owner, string field, string anchor, bool personalization)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!owner.TryGetProperty("headers", out var headers) || !Expect(headers, JsonValueKind.Object, field, anchor))
            {
                return result;
            }

            foreach (var header in headers.EnumerateObject())
            {
                if (header.Value.ValueKind != JsonValueKind.String)
                {
                    Error(personalization ? "All values of the headers object must be strings." : "The header values must be strings.", field, anchor);
                    continue;
                }

                if (header.Name.Length == 0 || header.Name.Any(c => c > 126 || c <= 32 || c == ':'))
                {
                    Error(personalization ? "Header keys cannot contain non-ASCII characters or empty spaces." : "Header keys cannot contain non-ASCII characters and empty spaces.", field, anchor);
                    continue;
                }

                if (ReservedHeaders.Contains(header.Name))
                {
                    Error(personalization ? "Header cannot be one of the reserved keys." : ReservedHeader, field, anchor);
                    continue;
                }

                if (!result.TryAdd(header.Name, header.Value.GetString()!))
                {
                    Error("The headers cannot contain duplicate keys.", field, anchor);
                }
            }

            return result;
        }

        private Dictionary<string, string> ReadStringMap(JsonElement owner, string field, string anchor, string notString)
        {
            var name = field[(field.LastIndexOf('.') + 1)..];
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!owner.TryGetProperty(name, out var map))
            {
                return result;
            }

            if (map.ValueKind != JsonValueKind.Object)
            {
                Error(notString, field, anchor);
                return result;
            }

            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    Error(notString, field, anchor);
                    continue;
                }

                result[entry.Name] = entry.Value.GetString()!;
            }

            return result;
        }

        private Dictionary<string, string> ReadCustomArgs(JsonElement owner, string field, string anchor)
        {
            if (owner.TryGetProperty("custom_args", out var args) && args.ValueKind == JsonValueKind.Object && !args.EnumerateObject().Any())
            {
                Error("custom_args cannot be empty.", field, anchor);
            }

            return ReadStringMap(owner, field, anchor, "All values of custom arguments object must be strings");
        }

        private long? ReadSendAt(JsonElement owner, string field, string anchor)
        {
            if (!owner.TryGetProperty("send_at", out var element))
            {
                return null;
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var sendAt))
            {
                Error("The send_at parameter is expecting a Unix timestamp as an integer. We will send immediately if you include a send_at timestamp that is in the past.", field, anchor);
                return null;
            }

            if (sendAt > now.AddHours(72).ToUnixTimeSeconds())
            {
                Error(SendAtTooFar, field, anchor);
            }

            return sendAt;
        }

        private List<string> ReadCategories(JsonElement root)
        {
            var result = new List<string>();
            if (!root.TryGetProperty("categories", out var categories))
            {
                return result;
            }

            const string NotStrings = "Categories must be an array of strings.";
            if (categories.ValueKind != JsonValueKind.Array)
            {
                Error(NotStrings, "categories", "categories");
                return result;
            }

            var count = categories.GetArrayLength();
            if (count > 10)
            {
                Error($"There is a limit of 10 categories for each email that is sent. You provided {count} categories.", "categories", "categories");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var element in categories.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    Error(NotStrings, "categories", "categories");
                    continue;
                }

                var category = element.GetString()!;
                if (category.Length > 255)
                {
                    Error($"Each category must not be longer than 255 characters. {category} exceeds this limit", "categories", "categories");
                }
                else if (!Ascii.IsValid(category))
                {
                    Error("Categories can not contain non-ASCII characters.", "categories", "categories");
                }
                else if (!seen.Add(category))
                {
                    Error($"The categories must be a unique list, and you have included {category} more than once.", "categories", "categories");
                }
                else
                {
                    result.Add(category);
                }
            }

            return result;
        }

        private string? ReadString(JsonElement root, string name, string message)
        {
            if (!root.TryGetProperty(name, out var element))
            {
                return null;
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                Error(message, name, name);
                return null;
            }

            return element.GetString();
        }

        private void ReadAsm(JsonElement root)
        {
            if (!root.TryGetProperty("asm", out var asm) || !Expect(asm, JsonValueKind.Object, "asm", "asm.group_id"))
            {
                return;
            }

            if (!asm.TryGetProperty("group_id", out var group) || group.ValueKind != JsonValueKind.Number || !group.TryGetInt32(out _))
            {
                Error("The ASM group ID must be an integer.", "asm.group_id", "asm.group_id");
            }

            if (asm.TryGetProperty("groups_to_display", out var display))
            {
                if (display.ValueKind != JsonValueKind.Array || display.EnumerateArray().Any(g => g.ValueKind != JsonValueKind.Number || !g.TryGetInt32(out _)))
                {
                    Error("The ASM Group IDs to display must be an array of integers.", "asm.groups_to_display", "asm.groups_to_display");
                }
                else if (display.GetArrayLength() > 25)
                {
                    Error("There is a limit of 25 unsubscribe groups that can be displayed to a user at a time.", "asm.groups_to_display", "asm.groups_to_display");
                }
            }
        }

        /// <summary>The type checks of mail_settings and tracking_settings, each with SendGrid's own message.</summary>
        private static readonly (string Section, string Setting, string Field, bool Boolean, string Message)[] Settings =
        [
            ("mail_settings", "bcc", "enable", true, "The bcc enable param should be a boolean value."),
            ("mail_settings", "bypass_list_management", "enable", true, "The bypass list management enable param should be a boolean value."),
            ("mail_settings", "bypass_spam_management", "enable", true, "The bypass spam management enable param should be a boolean value."),
            ("mail_settings", "bypass_bounce_management", "enable", true, "The bypass bounce management enable param should be a boolean value."),
            ("mail_settings", "bypass_unsubscribe_management", "enable", true, "The bypass unsubscribe management enable param should be a boolean value."),
            ("mail_settings", "footer", "enable", true, "The footer enable param should be a boolean value."),
            ("mail_settings", "footer", "text", false, "The text/plain version of your footer should be a string."),
            ("mail_settings", "footer", "html", false, "The text/html version of your footer should be a string."),
            ("mail_settings", "sandbox_mode", "enable", true, "The sandbox mode enable param should be a boolean value."),
            ("mail_settings", "spam_check", "enable", true, "The spam check enable param should be a boolean value."),
            ("tracking_settings", "click_tracking", "enable", true, "The click tracking enable param should be a boolean value."),
            ("tracking_settings", "click_tracking", "enable_text", true, "The click tracking enable text must be a boolean value."),
            ("tracking_settings", "open_tracking", "enable", true, "The open tracking enable param should be a boolean value."),
            ("tracking_settings", "open_tracking", "substitution_tag", false, "The open tracking substitution tag must be a string."),
            ("tracking_settings", "subscription_tracking", "enable", true, "The subscription tracking enable param should be a boolean value."),
            ("tracking_settings", "subscription_tracking", "text", false, "The subscription tracking unsubscribe content for text/plain messages must be a string."),
            ("tracking_settings", "subscription_tracking", "html", false, "The subscription tracking unsubscribe content for text/html messages must be a string."),
            ("tracking_settings", "subscription_tracking", "substitution_tag", false, "The subscription tracking substitution tag must be a string value."),
            ("tracking_settings", "ganalytics", "enable", true, "The Google Analytics enable param must be a boolean value."),
            ("tracking_settings", "ganalytics", "utm_source", false, "The Google Analytics utm_source must be a string value."),
            ("tracking_settings", "ganalytics", "utm_medium", false, "The Google Analytics utm_medium must be a string value."),
            ("tracking_settings", "ganalytics", "utm_term", false, "The Google Analytics utm_term must be a string value."),
            ("tracking_settings", "ganalytics", "utm_content", false, "The Google Analytics utm_content must be a string value."),
            ("tracking_settings", "ganalytics", "utm_campaign", false, "The Google Analytics utm_campaign must be a string value."),
        ];

        private void ReadSettings(JsonElement root)
        {
            foreach (var (section, setting, field, boolean, message) in Settings)
            {
                if (!root.TryGetProperty(section, out var s))
                {
                    continue;
                }

                if (!Expect(s, JsonValueKind.Object, section, null) || !s.TryGetProperty(setting, out var o))
                {
                    continue;
                }

                var path = $"{section}.{setting}";
                if (!Expect(o, JsonValueKind.Object, path, null) || !o.TryGetProperty(field, out var value))
                {
                    continue;
                }

                var ok = boolean ? value.ValueKind is JsonValueKind.True or JsonValueKind.False : value.ValueKind == JsonValueKind.String;
                if (!ok)
                {
                    Error(message, $"{path}.{field}", $"{path}.{field}");
                }
                else if (setting == "sandbox_mode" && value.ValueKind == JsonValueKind.True)
                {
                    Sandbox = true;
                }
            }

            if (root.TryGetProperty("mail_settings", out var mail) && mail.ValueKind == JsonValueKind.Object
                && mail.TryGetProperty("bcc", out var bcc) && bcc.ValueKind == JsonValueKind.Object
                && bcc.TryGetProperty("enable", out var enable) && enable.ValueKind == JsonValueKind.True
                && (!bcc.TryGetProperty("email", out var email) || email.ValueKind != JsonValueKind.String || !IsEmail(email.GetString()!)))
            {
                Error("You must include a recipient object when using the bcc mail setting.", "mail_settings.bcc.email", "mail_settings.bcc.email");
            }
        }
    }
}
