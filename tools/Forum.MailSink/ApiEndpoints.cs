using System.Text.Json;
using System.Text.Json.Serialization;

namespace Forum.MailSink;

public sealed record AttachmentView(int Index, string Filename, string? Type, string Disposition, string? ContentId, int Size, string Url);

/// <summary>A personalization as it was sent, with the subject and custom_args its recipients' mail carries.</summary>
public sealed record PersonalizationView(
    IReadOnlyList<MailAddress> To,
    IReadOnlyList<MailAddress> Cc,
    IReadOnlyList<MailAddress> Bcc,
    MailAddress? From,
    string? Subject,
    IReadOnlyDictionary<string, string> CustomArgs,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Substitutions,
    long? SendAt,
    string SgMessageId);

public sealed record MessageView(
    string Id,
    DateTimeOffset ReceivedAt,
    MailAddress From,
    MailAddress? ReplyTo,
    IReadOnlyList<MailAddress> ReplyToList,
    string? Subject,
    IReadOnlyList<PersonalizationView> Personalizations,
    string? Text,
    string? Html,
    IReadOnlyList<MailContent> OtherContent,
    IReadOnlyList<AttachmentView> Attachments,
    IReadOnlyList<string> Categories,
    IReadOnlyDictionary<string, string> CustomArgs,
    IReadOnlyDictionary<string, string> Headers,
    long? SendAt,
    string? TemplateId,
    string? BatchId,
    IReadOnlyList<SinkEvent> Events)
{
    public static MessageView Of(StoredMail m) => new(
        m.Id,
        m.ReceivedAt,
        m.From,
        m.ReplyTo,
        m.ReplyToList,
        m.Subject,
        [.. m.Personalizations.Select((p, i) => new PersonalizationView(p.To, p.Cc, p.Bcc, p.From, m.SubjectOf(p), m.CustomArgsOf(p), p.Headers, p.Substitutions, p.SendAt ?? m.SendAt, m.SgMessageIdOf(i)))],
        m.Text,
        m.Html,
        [.. m.Content.Where(c => !c.Type.Equals("text/plain", StringComparison.OrdinalIgnoreCase) && !c.Type.Equals("text/html", StringComparison.OrdinalIgnoreCase))],
        [.. m.Attachments.Select((a, i) => new AttachmentView(i, a.Filename, a.Type, a.Disposition, a.ContentId, a.Size, $"/messages/{m.Id}/attachments/{i}"))],
        m.Categories,
        m.CustomArgs,
        m.Headers,
        m.SendAt,
        m.TemplateId,
        m.BatchId,
        m.Events());
}

public sealed record MessagesView(int Total, IReadOnlyList<MessageView> Messages);

public sealed record CustomEventRequest(string? Event, string? Email, string? Reason);

/// <summary>What tests read (GET /api/...) and ask for (/control/...). No authentication: the sink is a development tool on loopback.</summary>
public static class ApiEndpoints
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IEndpointRouteBuilder MapSinkApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Text("ok"));

        app.MapGet("/webhook/public-key", (WebhookSigner signer) => Results.Text(signer.PublicKey));

        // ?to=<address>&custom_args.<name>=<value>: the mails with a personalization to that address whose custom_args
        // (message-level overridden by the personalization's) carry those values; oldest first, duplicates included.
        app.MapGet("/api/messages", (HttpRequest request, MailStore store) =>
        {
            var to = request.Query["to"].ToString() is { Length: > 0 } t ? t : null;
            var args = request.Query
                .Where(q => q.Key.StartsWith("custom_args.", StringComparison.Ordinal))
                .Select(q => KeyValuePair.Create(q.Key["custom_args.".Length..], q.Value.ToString()))
                .ToList();
            var found = store.All().Where(m => m.Matches(to, args)).Select(MessageView.Of).ToList();
            return Results.Json(new MessagesView(found.Count, found), Json);
        });

        app.MapGet("/api/messages/{id}", (string id, MailStore store) =>
            store.Find(id) is { } mail ? Results.Json(MessageView.Of(mail), Json) : Results.NotFound());

        app.MapGet("/api/messages/{id}/raw", (string id, MailStore store) =>
            store.Find(id) is { } mail ? Results.Bytes(mail.RawBody, "application/json") : Results.NotFound());

        app.MapGet("/api/stats", (MailStore store, SinkStats stats, EventDispatcher dispatcher) =>
            Results.Json(new { messages = store.Count, counts = stats.Snapshot(), webhookRetrying = dispatcher.Retrying }, Json));

        app.MapGet("/control/faults", (Faults faults) => Results.Json(faults.State, Json));

        // {"next": [{"status":429,"retryAfterSeconds":2}, {"status":503}, {"delayMs":5000}], "rateLimit": {"limit":10,"windowSeconds":1}}
        // "next" replaces the queued answers; "rateLimit" (null to lift it) is set only when given.
        app.MapPost("/control/faults", async (HttpRequest request, Faults faults) =>
        {
            JsonElement body;
            try
            {
                body = (await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, Json, request.HttpContext.RequestAborted));
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }

            if (body.ValueKind != JsonValueKind.Object)
            {
                return Results.BadRequest(new { error = "expected an object with \"next\" and/or \"rateLimit\"" });
            }

            List<FaultSpec>? next = null;
            RateLimitSpec? rateLimit = null;
            var rateLimitGiven = body.TryGetProperty("rateLimit", out var rateElement);
            try
            {
                if (body.TryGetProperty("next", out var nextElement))
                {
                    next = nextElement.Deserialize<List<FaultSpec>>(Json) ?? [];
                }

                if (rateLimitGiven && rateElement.ValueKind != JsonValueKind.Null)
                {
                    rateLimit = rateElement.Deserialize<RateLimitSpec>(Json);
                }
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }

            if (next?.Select(f => f.Problem()).FirstOrDefault(p => p is not null) is { } problem)
            {
                return Results.BadRequest(new { error = problem });
            }

            if (rateLimit is { Limit: < 0 } or { WindowSeconds: < 1 })
            {
                return Results.BadRequest(new { error = "rateLimit needs limit >= 0 and windowSeconds >= 1" });
            }

            if (next is not null)
            {
                faults.SetNext(next);
            }

            if (rateLimitGiven)
            {
                faults.SetRateLimit(rateLimit);
            }

            return Results.Json(faults.State, Json);
        });

        app.MapDelete("/control/faults", (Faults faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });

        app.MapDelete("/control/messages", (MailStore store, SinkStats stats) =>
        {
            store.Clear();
            stats.Reset();
            return Results.NoContent();
        });

        // {"event":"deferred"|"dropped"|"spamreport"|..., "email": one recipient (default: all), "reason": optional}
        app.MapPost("/control/messages/{id}/events", (string id, CustomEventRequest body, MailStore store, EventDispatcher dispatcher, TimeProvider clock) =>
        {
            if (store.Find(id) is not { } mail)
            {
                return Results.NotFound();
            }

            if (body.Event is null || !EventFactory.Kinds.Contains(body.Event))
            {
                return Results.BadRequest(new { error = $"event must be one of: {string.Join(", ", EventFactory.Kinds)}" });
            }

            var events = EventFactory.Custom(mail, body.Event, body.Email, body.Reason, clock.GetUtcNow().ToUnixTimeSeconds());
            if (events.Count == 0)
            {
                return Results.BadRequest(new { error = $"{body.Email} is not a recipient of {id}" });
            }

            mail.AddEvents(events);
            dispatcher.Post(mail, events);
            return Results.Json(new { events }, Json, statusCode: StatusCodes.Status202Accepted);
        });

        // Posts the message's events again, unchanged (same sg_event_id): what SendGrid does when it is not sure a post arrived.
        app.MapPost("/control/messages/{id}/replay-events", (string id, MailStore store, EventDispatcher dispatcher) =>
        {
            if (store.Find(id) is not { } mail)
            {
                return Results.NotFound();
            }

            var events = mail.Events();
            dispatcher.Post(mail, events);
            return Results.Json(new { events }, Json, statusCode: StatusCodes.Status202Accepted);
        });

        return app;
    }
}
