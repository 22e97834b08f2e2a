using Microsoft.OpenApi;

namespace Forum.Api.Infrastructure;

/// <summary>
/// The OpenAPI document and the interactive explorer at /docs (Swagger UI over our own document), where organisers and
/// protocol officers work until they have pages of their own. One bearer scheme covers staff tokens and delegations'
/// access tokens; the explorer keeps the token entered once across reloads.
/// </summary>
public static class ApiDocs
{
    public const string SchemeName = "Bearer";

    public static IServiceCollection AddApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Forum API";
            document.Info.Description =
                "Conferences of international alliances: agendas, delegations, seats and check-in, declarations, calendar feeds and mail. " +
                "Staff: a token from `./forum token organiser` (or `protocol`); a focal point: the delegation's access token.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A staff token (a JWT) or a delegation's access token.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] });
            return Task.CompletedTask;
        }));

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "Forum API");
            o.DocumentTitle = "Forum API";
            o.EnablePersistAuthorization();
            o.EnableTryItOutByDefault();
            o.DisplayRequestDuration();
        });
        return app;
    }
}
