using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;

namespace Forum.Api.Notifications;

/// <summary>
/// Mails: the projection that makes them from events, the outbox and its dispatcher, the jobs that make mails from
/// time (digests, reminders, report deadlines), SendGrid's client and webhook, opt-outs. The projection is resolved
/// when the daemon starts, since it needs services that themselves need the store.
/// </summary>
public sealed class NotificationsFeature(IServiceProvider services) : IEventSourcedFeature
{
    public void RegisterEvents(EventTypeRegistry registry)
    {
        // Mails are rows of the outbox, not events: the feature only reads other features' events.
    }

    public IEnumerable<IProjection> AsyncProjections => [services.GetRequiredService<MailProjection>()];

    /// <summary>
    /// The component's migrations, applied by their number: the list only ever grows at its end. (Twice an outbox
    /// migration went in the middle, before the webhook's, the opt-outs' and the digests': a database made before was
    /// then asked to create the opt-outs again and the API did not start. LaterMigrations repairs such databases.)
    /// </summary>
    public static IReadOnlyList<string> ComponentMigrations { get; } =
        [.. MailOutbox.Migrations, .. SendGridWebhook.Migrations, .. MailOptOuts.Migrations, .. MailDigests.Migrations, .. MailOutbox.LaterMigrations];

    public IEnumerable<(string Component, IReadOnlyList<string> Migrations)> Migrations => [("notifications", ComponentMigrations)];
}

public static class NotificationsSetup
{
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SendGridOptions>(configuration.GetSection("SendGrid"));
        services.Configure<NotificationOptions>(configuration.GetSection("Notifications"));
        services.AddSingleton<IEventSourcedFeature, NotificationsFeature>();
        services.AddSingleton<MailOutbox>();
        services.AddSingleton<SendGridWebhook>();
        services.AddSingleton<Delegations.IMailDeliverability>(sp => sp.GetRequiredService<SendGridWebhook>());
        services.AddHttpClient<SendGridClient>();
        services.AddSingleton<MailDispatcher>(sp => ActivatorUtilities.CreateInstance<MailDispatcher>(sp, sp.GetRequiredService<SendGridClient>()));
        services.AddSingleton<IHealthSignal>(sp => sp.GetRequiredService<MailDispatcher>());
        services.AddSingleton<IDatabaseGauges, MailMetrics>();
        services.AddSingleton<MailComposer>();
        services.AddSingleton<MailOptOuts>();
        services.AddSingleton<MailNotices>();
        services.AddSingleton<MailDigests>();
        services.AddSingleton<MailProjection>();
        // Jobs that make mails catch up at once after a missed firing (each finds what is due by itself); the
        // dispatcher just waits for its next second.
        services.AddRecurringJob<DigestJob>("mail-digests", TimeSpan.FromMinutes(1), Misfire.RunNow);
        services.AddRecurringJob<ReminderJob>("mail-reminders", TimeSpan.FromMinutes(1), Misfire.RunNow);
        services.AddRecurringJob<ReportDeadlineJob>("mail-report-deadlines", TimeSpan.FromHours(1), Misfire.RunNow);
        if (!string.IsNullOrEmpty(configuration["SendGrid:ApiKey"]))
        {
            // Without a key nothing can be sent: mails wait in the outbox (tests drive their own dispatchers).
            services.AddRecurringJob<MailDispatchJob>(MailDispatchJob.Name, TimeSpan.FromSeconds(1), Misfire.Skip);
            if (configuration.GetValue("Jobs:Enabled", true))
            {
                // Where mail-dispatch may run, new mails also start a drain at once, in every such process.
                services.AddHostedService<MailWakeups>();
            }
        }

        return services;
    }
}
