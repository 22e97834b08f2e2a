using Forum.Api.Agenda;
using Forum.Api.Calendars;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Demo;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Venues;
using Microsoft.AspNetCore.Http.Json;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddSecretFiles();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<JsonOptions>(o => Json.ConfigureStrict(o.SerializerOptions));
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemExceptionHandler.AddCode);
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.AddApiDocs(builder.Configuration);
builder.Services.AddForumAuth(builder.Configuration);
builder.Services.AddEventSourcing(builder.Configuration);
builder.Services.Configure<CalendarOptions>(builder.Configuration.GetSection("Calendars"));
builder.Services.AddForumFeatures();
builder.Services.AddNotifications(builder.Configuration);
builder.Services.AddJobs(builder.Configuration);
builder.Services.AddTelemetry(builder.Configuration);
// On SIGTERM, Kestrel stops taking connections and finishes the requests in flight, and the projections' leadership
// and Quartz's scheduler are let go so that another process takes over: all within this time.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("Shutdown:Timeout", TimeSpan.FromSeconds(30)));

var app = builder.Build();
// Listening from the start (OpenTelemetry's hosted service would start it after the seeding), so that the counters
// include start-up's own work.
app.Services.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
app.Services.GetService<OpenTelemetry.Trace.TracerProvider>();
await app.Services.InitializeEventStoreAsync();
await app.Services.MigrateJobStoreAsync();
if (app.Configuration.GetValue<bool>("Demo:Seed"))
{
    await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.MapApiDocs();
app.MapHealthEndpoints();
app.MapMetricsEndpoints();
app.MapConferenceEndpoints();
app.MapAgendaEndpoints();
app.MapDelegationEndpoints();
app.MapVenueEndpoints();
app.MapDeclarationEndpoints();
app.MapCalendarEndpoints();
app.MapNotificationEndpoints();

await app.RunAsync();

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
