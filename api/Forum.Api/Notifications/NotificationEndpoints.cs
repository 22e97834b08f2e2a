using System.Net;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Forum.Api.Notifications;

/// <summary>A mail as organisers see it in the outbox: what, to whom, where it stands.</summary>
public sealed record MailView(
    Guid Id,
    string Kind,
    Guid? DelegationId,
    string? To,
    string? Subject,
    MailState State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset? SentAt,
    string? ProviderMessageId,
    string? LastError);

/// <summary>A mail in a delegation's history: who was sent what, when, and what became of it.</summary>
public sealed record DelegationMailView(
    Guid Id,
    string Kind,
    string? To,
    string? Subject,
    MailState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt,
    string? Delivery,
    bool Erased);

public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotificationEndpoints(this IEndpointRouteBuilder app)
    {
        var mail = app.MapGroup("/api/conferences/{slug}/mail").RequireAuthorization(Roles.Organiser)
            .WithTag("Notifications", "Mail to delegations (confirmations, agenda changes, reminders) through SendGrid: the outbox, dead mails, SendGrid's delivery events, and unsubscribe links.");
        mail.MapGet("", List).WithName("listMail").Refuses(400, "validation_failed").AnswersAnyPath().WithSummary("Mails of the conference, sent, waiting, dead or dropped (?state=Dead for those that need a look)");
        mail.MapPost("/{id:guid}/retry", async Task<Results<NoContent, ProblemHttpResult>> (string slug, Guid id, MailOutbox outbox, CancellationToken ct) =>
            await outbox.RetryAsync(slug, id, ct) ? TypedResults.NoContent() : ProblemResults.NotFound("dead mail with that id in this conference"))
            .WithName("retryMail").WithSummary("Send a dead mail again, from its first attempt");

        app.MapPost("/webhooks/sendgrid", async Task<NoContent> (HttpRequest request, SendGridWebhook webhook, CancellationToken ct) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            var body = buffer.ToArray();
            if (webhook.Verify(request.Headers[SendGridWebhook.SignatureHeader], request.Headers[SendGridWebhook.TimestampHeader], body) is { } refused)
            {
                throw refused;
            }

            await webhook.RecordAsync(body, ct);
            return TypedResults.NoContent();
        })
        .WithTags("Notifications").AllowAnonymous().WithName("receiveSendGridEvents")
        .Refuses(400, "invalid_json").Refuses(403, "invalid_signature", "stale_timestamp").Refuses(503, "webhook_not_configured")
        .WithDescription("Verified with SendGrid's ECDSA signature over the timestamp and the raw body (`X-Twilio-Email-Event-Webhook-Signature`, " +
            "`X-Twilio-Email-Event-Webhook-Timestamp`); a timestamp more than 5 minutes from now is refused as a replay.")
        .WithSummary("SendGrid's signed Event Webhook: delivered, deferred, bounce, dropped, spam report (a bounce, drop or spam report makes the address undeliverable)");

        app.MapGroup("/api/delegations/{id:guid}/mail").WithTags("Notifications").AddEndpointFilter(DelegationAccess.Filter).WithParameterExample("id", "{{demo-delegation}}")
            .MapGet("", History).WithMetadata(new DelegationAccess(true, Roles.Organiser)).WithName("listDelegationMail")
            .WithSummary("Every mail sent (or to be sent) to the delegation's focal point and members: kind, recipient, subject, state, when, and SendGrid's last word on delivery");

        // One-click unsubscribe (RFC 8058): mail clients POST to the link; a person who opens it gets a page and a button,
        // because a GET must change nothing (link scanners follow links).
        var unsubscribe = app.MapGroup("/mail/unsubscribe/{token}").WithTags("Notifications").AllowAnonymous();
        unsubscribe.MapGet("", (string token, MailOptOuts optOuts) =>
            optOuts.Read(token) is { } found ? Page(UnsubscribePage(token, found.List)) : UnknownLink())
            .WithName("getUnsubscribePage").Refuses(404, "unknown_unsubscribe_link")
            .WithSummary("The page of an unsubscribe link, with a button");
        unsubscribe.MapPost("", async (string token, MailOptOuts optOuts, CancellationToken ct) =>
        {
            if (optOuts.Read(token) is not { } found)
            {
                return UnknownLink();
            }

            await optOuts.OptOutAsync(found.MemberId, found.List, ct);
            return Page(UnsubscribedPage(token, found.List));
        }).WithName("unsubscribe").Refuses(404, "unknown_unsubscribe_link").WithSummary("Stop a list (digests of agenda changes, or reminders) for the member of the link: the one-click POST of RFC 8058, or the page's button");
        unsubscribe.MapPost("/undo", async (string token, MailOptOuts optOuts, CancellationToken ct) =>
        {
            if (optOuts.Read(token) is not { } found)
            {
                return UnknownLink();
            }

            await optOuts.OptInAsync(found.MemberId, found.List, ct);
            return Page(ResubscribedPage(found.List));
        }).WithName("undoUnsubscribe").Refuses(404, "unknown_unsubscribe_link").WithSummary("Receive the list again");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<DelegationMailView>>> History(Guid id, MailOutbox outbox, PersonalDataVault vault, CancellationToken ct)
    {
        var mails = await outbox.ListByDelegationAsync(id, ct);
        var opened = await vault.OpenAsync(mails.Select(m => m.Mail.Mail), ct);
        return TypedResults.Ok<IReadOnlyList<DelegationMailView>>(mails.Select(m =>
        {
            var body = opened.Open<SendGridMail>(m.Mail.Mail);
            return new DelegationMailView(
                m.Mail.Id, m.Mail.Kind, body?.Personalizations[0].To[0].Email, body?.Subject, m.Mail.State, m.Mail.CreatedAt, m.Mail.SentAt, m.Delivery, body is null);
        }).ToList());
    }

    private static ContentHttpResult UnknownLink() =>
        throw new ProblemException(StatusCodes.Status404NotFound, "unknown_unsubscribe_link", "Unknown link", "This unsubscribe link is not one Forum made.");

    private static ContentHttpResult Page(string body) => TypedResults.Content(
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Forum</title></head>" +
        $"<body style=\"font-family:Arial,Helvetica,sans-serif;max-width:40em;margin:2em auto;padding:0 1em\">{body}</body></html>",
        "text/html; charset=utf-8");

    private static (string En, string Fr) ListName(string list) => list == MailOptOuts.Reminders
        ? ("reminders the day before your sessions", "les rappels la veille de vos séances")
        : ("summaries of agenda changes in your sessions", "les résumés des modifications de vos séances");

    private static string UnsubscribePage(string token, string list)
    {
        var (en, fr) = ListName(list);
        var action = $"/mail/unsubscribe/{WebUtility.HtmlEncode(Uri.EscapeDataString(token))}";
        return $"<h1>Unsubscribe</h1><p>Stop receiving {en}?</p><p lang=\"fr\">Ne plus recevoir {fr} ?</p>" +
            $"<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">" +
            "<button type=\"submit\">Unsubscribe / Se désabonner</button></form>";
    }

    private static string UnsubscribedPage(string token, string list)
    {
        var (en, fr) = ListName(list);
        var action = $"/mail/unsubscribe/{WebUtility.HtmlEncode(Uri.EscapeDataString(token))}/undo";
        return $"<h1>Unsubscribed</h1><p>You will no longer receive {en}. Mails about your registration and accreditation still come.</p>" +
            $"<p lang=\"fr\">Vous ne recevrez plus {fr}. Les courriels sur votre inscription et votre accréditation continuent.</p>" +
            $"<form method=\"post\" action=\"{action}\"><button type=\"submit\">Subscribe again / Me réabonner</button></form>";
    }

    private static string ResubscribedPage(string list)
    {
        var (en, fr) = ListName(list);
        return $"<h1>Subscribed again</h1><p>You will receive {en} again.</p><p lang=\"fr\">Vous recevrez de nouveau {fr}.</p>";
    }

    private static async Task<Ok<IReadOnlyList<MailView>>> List(string slug, string? state, MailOutbox outbox, PersonalDataVault vault, CancellationToken ct)
    {
        MailState? wanted = null;
        if (state is not null)
        {
            var ok = Enum.TryParse<MailState>(state, ignoreCase: true, out var parsed) && !int.TryParse(state, out _);
            new Validator().Require(ok, "state", "The state is Waiting, Sent, Dead or Dropped.").ThrowIfInvalid();
            wanted = parsed;
        }

        var mails = await outbox.ListAsync(slug, wanted, ct);
        var opened = await vault.OpenAsync(mails.Select(m => m.Mail), ct);
        return TypedResults.Ok<IReadOnlyList<MailView>>(mails.Select(m =>
        {
            var body = opened.Open<SendGridMail>(m.Mail);
            return new MailView(
                m.Id, m.Kind, m.DelegationId, body?.Personalizations[0].To[0].Email, body?.Subject, m.State, m.Attempts, m.CreatedAt, m.DueAt, m.SentAt, m.ProviderMessageId, m.LastError);
        }).ToList());
    }
}
