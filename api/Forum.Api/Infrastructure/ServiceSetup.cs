using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Declarations;
using Forum.Api.Delegations;
using Forum.Api.Venues;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Forum.Api.Infrastructure;

public static class ServiceSetup
{
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddForumAuth(this IServiceCollection services, IConfiguration configuration)
    {
        // One bearer scheme: a JWT is a staff token (HS256: a development token; anything else: the identity provider's,
        // when one is configured), anything else may be a delegation's access token. Both kinds of JWT are checked by
        // ASP.NET Core's JwtBearer handler, each scheme with its own settings; every refusal is the same 401 problem.
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
            .AddJwtBearer(OidcTokenHandler.SchemeName, _ => { })
            .AddJwtBearer(StaffTokenHandler.SchemeName, _ => { });
        services.AddOptions<JwtBearerOptions>(StaffTokenHandler.SchemeName).Configure<IHostEnvironment, TimeProvider>((o, environment, time) =>
            StaffTokenHandler.Configure(o, StaffTokenOptions.From(configuration, environment), time));
        services.AddOptions<JwtBearerOptions>(OidcTokenHandler.SchemeName).Configure<IOptions<OidcOptions>, OidcSigningKeys, TimeProvider>((o, oidc, keys, time) =>
            OidcTokenHandler.Configure(o, oidc.Value, keys, time));
        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>();
        services.AddSingleton<OidcSigningKeys>();
        services.AddHttpClient(OidcSigningKeys.HttpClientName, (sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<OidcOptions>>().Value.Timeout;

                // A discovery document or a JWKS is a few kilobytes: a provider gone wrong cannot fill our memory.
                client.MaxResponseContentBufferSize = 1 << 20;
            })
            .AddHttpMessageHandler(sp =>
            {
                // The issuer's origin reached at the back-channel address when one is set (Auth:Oidc:BackchannelAddress).
                var oidc = sp.GetRequiredService<IOptions<OidcOptions>>().Value;
                return new BackchannelAddressHandler(
                    oidc.IsConfigured ? new Uri(oidc.Issuer!) : null, oidc.IsConfigured && oidc.HasBackchannel ? new Uri(oidc.BackchannelAddress!) : null);
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
        services.AddSingleton<CheckInRoster>();
        services.AddSingleton<PersonalDataVault>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddHostedService<IdempotencyKeyCleanup>();
        services.AddSingleton<Demo.DemoSeeder>();
        return services;
    }
}
