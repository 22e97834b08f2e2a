using Microsoft.AspNetCore.Http.Json;

namespace Forum.MailSink;

/// <summary>
/// The local SendGrid: POST /v3/mail/send as SendGrid answers it, every mail kept in memory and shown at /, events
/// posted to a webhook signed as SendGrid signs them, faults on request. Tests and benchmarks may start it in process
/// with <see cref="Build"/> (e.g. <c>--urls http://127.0.0.1:0</c>) and talk to it over HTTP.
/// </summary>
public static partial class MailSinkHost
{
    public const int DefaultPort = 5082;

    /// <param name="configure">More set-up before the app is built (a test's trace exporter).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = builder.Configuration.GetSection("MailSink").Get<MailSinkOptions>() ?? new MailSinkOptions();
        if (options.Port is int port)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{DefaultPort}");
        }

        // A request log line per mail would cost more than the mail: the sink must never be the bottleneck.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1);

        builder.Services.AddSingleton(options);
        builder.Services.AddTracing(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton<MailStore>();
        builder.Services.AddSingleton<Faults>();
        builder.Services.AddSingleton<SinkStats>();
        builder.Services.AddSingleton(_ => WebhookSigner.Create(options.SigningKeyFile));
        builder.Services.AddSingleton<EventDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventDispatcher>());
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNameCaseInsensitive = true);

        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapPost("/v3/mail/send", MailSendEndpoint.HandleAsync);
        app.MapSinkApi();
        app.MapSinkPages();
        app.Lifetime.ApplicationStarted.Register(() => Started(app, options));
        return app;
    }

    private static void Started(WebApplication app, MailSinkOptions options)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Forum.MailSink");
        if (!log.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var urls = string.Join(", ", app.Urls);
        var keys = app.Services.GetRequiredService<ApiKeys>().AcceptsAny ? "any" : "as configured";
        var webhook = options.WebhookUrl?.ToString() ?? "nowhere";
        var publicKey = app.Services.GetRequiredService<WebhookSigner>().PublicKey;
        LogStarted(log, urls, keys, webhook, options.BounceDomain, publicKey);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Local SendGrid on {Urls}: API keys {Keys}; events to {Webhook}; bounce domain @{Domain}; webhook public key {PublicKey}")]
    private static partial void LogStarted(ILogger logger, string urls, string keys, string webhook, string domain, string publicKey);
}
