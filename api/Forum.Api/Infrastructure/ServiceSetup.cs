using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Venues;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Forum.Api.Infrastructure;

public static class ServiceSetup
{
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddForumAuth(this IServiceCollection services, IConfiguration configuration)
    {
        // One bearer scheme: a JWT is a staff token (HS256: a development token; anything else: the identity provider's,
        // when one is configured), anything else may be a delegation's access token.
        services.AddAuthentication(BearerScheme)
            .AddPolicyScheme(BearerScheme, "Staff token or delegation access token", o =>
            {
                o.ForwardDefaultSelector = http =>
                {
                    var header = http.Request.Headers.Authorization.ToString();
                    if (!header.Contains('.', StringComparison.Ordinal))
                    {
                        return FocalPointTokenHandler.SchemeName;
                    }

                    var oidc = http.RequestServices.GetRequiredService<IOptionsMonitor<OidcOptions>>().CurrentValue;
                    return !oidc.IsConfigured || StaffTokenHandler.Algorithm(header["Bearer ".Length..].Trim()) == "HS256"
                        ? StaffTokenHandler.SchemeName
                        : OidcTokenHandler.SchemeName;
                };
                o.ForwardChallenge = StaffTokenHandler.SchemeName;
                o.ForwardForbid = StaffTokenHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, FocalPointTokenHandler>(FocalPointTokenHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, OidcTokenHandler>(OidcTokenHandler.SchemeName, o =>
            {
                o.ForwardChallenge = StaffTokenHandler.SchemeName;
                o.ForwardForbid = StaffTokenHandler.SchemeName;
            })
            .AddScheme<StaffTokenOptions, StaffTokenHandler>(StaffTokenHandler.SchemeName, null);
        services.AddOptions<StaffTokenOptions>(StaffTokenHandler.SchemeName).Configure<IHostEnvironment>((o, environment) =>
        {
            var oidc = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
            o.Enabled = configuration.GetValue<bool?>("Auth:DevelopmentTokens") ?? !(oidc.IsConfigured && environment.IsProduction());
            if (o.Enabled)
            {
                o.SigningKey = configuration["Auth:SigningKey"]
                    ?? throw new InvalidOperationException("Auth:SigningKey is not set (./forum run sets it from .forum/jwt.key).");
            }
        });
        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>();
        services.AddSingleton<OidcSigningKeys>();
        services.AddHttpClient(OidcSigningKeys.HttpClientName, (sp, client) =>
        {
            client.Timeout = sp.GetRequiredService<IOptions<OidcOptions>>().Value.Timeout;

            // A discovery document or a JWKS is a few kilobytes: a provider gone wrong cannot fill our memory.
            client.MaxResponseContentBufferSize = 1 << 20;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Organiser, p => p.RequireRole(Roles.Organiser))
            .AddPolicy(Roles.Protocol, p => p.RequireRole(Roles.Protocol))
            .AddPolicy(Roles.Staff, p => p.RequireRole(Roles.Organiser, Roles.Protocol))
            .AddPolicy(Roles.OrganiserOrFocalPoint, p => p.RequireRole(Roles.Organiser, Roles.FocalPoint));
        return services;
    }

    public static IServiceCollection AddForumFeatures(this IServiceCollection services)
    {
        services.AddSingleton<EventStreamWriter>();
        services.AddSingleton<IEventSourcedFeature, ConferencesFeature>();
        services.AddSingleton<ConferenceService>();
        services.AddSingleton<AgendaFeature>();
        services.AddSingleton<IEventSourcedFeature>(sp => sp.GetRequiredService<AgendaFeature>());
        services.AddSingleton<IConferenceStreams>(sp => sp.GetRequiredService<AgendaFeature>());
        services.AddSingleton<AgendaService>();
        services.AddSingleton<IEventSourcedFeature, DelegationsFeature>();
        services.AddSingleton<DelegationService>();
        services.AddSingleton<IEventSourcedFeature, VenueFeature>();
        services.AddSingleton<BadgeSigningKeys>();
        services.AddSingleton<VenueService>();
        services.AddSingleton<IEventSourcedFeature, DeclarationsFeature>();
        services.AddSingleton<DeclarationService>();
        services.AddSingleton<ISeriesDeclarations>(sp => sp.GetRequiredService<DeclarationService>());
        services.AddSingleton<IEventSourcedFeature, Calendars.CalendarsFeature>();
        services.AddSingleton<Calendars.CalendarService>();
        services.AddSingleton<IConferenceFeeds>(sp => sp.GetRequiredService<Calendars.CalendarService>());

        services.AddSingleton<CheckInBatches>();
        services.AddSingleton<PersonalDataVault>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddHostedService<IdempotencyKeyCleanup>();
        services.AddSingleton<Demo.DemoSeeder>();
        return services;
    }
}
