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

public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotificationEndpoints(this IEndpointRouteBuilder app)
    {
        var mail = app.MapGroup("/api/conferences/{slug}/mail").WithTags("Notifications").RequireAuthorization(Roles.Organiser);
        mail.MapGet("", List).WithSummary("Mails of the conference, sent, waiting, dead or dropped (?state=Dead for those that need a look)");
        mail.MapPost("/{id:guid}/retry", async Task<Results<NoContent, ProblemHttpResult>> (string slug, Guid id, MailOutbox outbox, CancellationToken ct) =>
            await outbox.RetryAsync(slug, id, ct) ? TypedResults.NoContent() : ProblemResults.NotFound("dead mail with that id in this conference"))
            .WithSummary("Send a dead mail again, from its first attempt");

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
        .WithTags("Notifications").AllowAnonymous()
        .WithSummary("SendGrid's signed Event Webhook: delivered, deferred, bounce, dropped, spam report (a bounce, drop or spam report makes the address undeliverable)");
        return app;
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
