using System.Text.Json.Nodes;
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

    /// <summary>A request body that works against the demo, shown (and sent by "Try it out") in the explorer.</summary>
    public sealed record RequestExample(string Json);

    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, string json)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequestExample(json));

    /// <summary>
    /// The document, with a bearer scheme; parameters take examples from Docs:ParameterExamples (the demo's slug, say),
    /// request bodies from the endpoints' <see cref="RequestExample"/>.
    /// </summary>
    public static IServiceCollection AddApiDocs(this IServiceCollection services, IConfiguration configuration) =>
        services.AddOpenApi(o => o.AddOperationTransformer((operation, context, _) =>
        {
            var examples = configuration.GetSection("Docs:ParameterExamples").Get<Dictionary<string, string>>() ?? [];
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter.Name is { } name && examples.TryGetValue(name, out var value))
                {
                    parameter.Example = JsonValue.Create(value);
                }
            }

            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestExample>().LastOrDefault() is { } example
                && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
            {
                media.Example = JsonNode.Parse(example.Json);
            }

            return Task.CompletedTask;
        }).AddDocumentTransformer((document, _, _) =>
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
