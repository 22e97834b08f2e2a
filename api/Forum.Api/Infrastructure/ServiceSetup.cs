using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Microsoft.AspNetCore.Authentication;

namespace Forum.Api.Infrastructure;

public static class ServiceSetup
{
    public static IServiceCollection AddForumAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(StaffTokenHandler.SchemeName)
            .AddScheme<StaffTokenOptions, StaffTokenHandler>(StaffTokenHandler.SchemeName, o =>
            {
                o.SigningKey = configuration["Auth:SigningKey"]
                    ?? throw new InvalidOperationException("Auth:SigningKey is not set (./forum run sets it from .forum/jwt.key).");
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Organiser, p => p.RequireRole(Roles.Organiser))
            .AddPolicy(Roles.Protocol, p => p.RequireRole(Roles.Protocol));
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
        services.AddSingleton<Demo.DemoSeeder>();
        return services;
    }
}
