using System.Collections.Concurrent;
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

    /// <summary>
    /// A request body that works against the demo, shown (and sent by "Try it out") in the explorer. The document makes
    /// every property of a request record required (nullable ones too), so an example names each, null where unset.
    /// </summary>
    public sealed record RequestExample(string Json);

    /// <summary>One endpoint's example for a parameter, over Docs:ParameterExamples (an id means another thing on each route).</summary>
    public sealed record ParameterExample(string Name, string Value);

    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, string json)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequestExample(json));

    public static TBuilder WithParameterExample<TBuilder>(this TBuilder builder, string name, string value)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new ParameterExample(name, value));

    /// <summary>
    /// A refusal the endpoint answers with: its status and the <c>code</c> values it carries there. The document lists
    /// them as application/problem+json answers; what every route of a kind answers (see <see cref="ApiProblems"/>) is
    /// added without being named.
    /// </summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder builder, int status, params string[] codes)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new ProblemResponse(status, codes));

    /// <summary>
    /// The write takes If-Match (<paramref name="etagOf"/> names whose ETag): a stale one is a 412 and nothing is written.
    /// The document shows the header and the 412, and says so in the description.
    /// </summary>
    public static TBuilder TakesIfMatch<TBuilder>(this TBuilder builder, string etagOf)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new IfMatchWrite(etagOf));

    /// <summary>The create takes an Idempotency-Key header (<see cref="IdempotencyKeys"/>): the document shows it and its refusals.</summary>
    public static TBuilder TakesIdempotencyKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new IdempotentWrite());

    /// <summary>The route answers whatever its path parameters name (an unknown conference has no mails): the document declares no 404 for it.</summary>
    public static TBuilder AnswersAnyPath<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AnyPathAnswer());

    /// <summary>The tag of a group, with the description the document gives it (once per tag is enough).</summary>
    public static TBuilder WithTag<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder => builder.WithTags(name).WithMetadata(new TagDescription(name, description));

    /// <summary>
    /// The document, with a bearer scheme; parameters take examples from the endpoint's <see cref="ParameterExample"/>,
    /// else from Docs:ParameterExamples (the demo's slug, say), request bodies from the endpoint's
    /// <see cref="RequestExample"/>; either may name a value of <see cref="DocsExamples"/> as "{{name}}".
    /// </summary>
    public static IServiceCollection AddApiDocs(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton<DocsExamples>().AddOpenApi(o => o.AddOperationTransformer(ApiProblems.Describe).AddOperationTransformer((operation, context, _) =>
        {
            var values = context.ApplicationServices.GetRequiredService<DocsExamples>();
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var examples = configuration.GetSection("Docs:ParameterExamples").Get<Dictionary<string, string>>() ?? [];
            foreach (var own in metadata.OfType<ParameterExample>())
            {
                examples[own.Name] = own.Value;
            }

            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                // An empty value is no example: that route's id is one the user has (a draft's, say), not the demo's.
                if (parameter.Name is { } name && examples.TryGetValue(name, out var value) && value.Length > 0)
                {
                    parameter.Example = long.TryParse(value, out var number) && parameter.Schema?.Type is { } type && type.HasFlag(JsonSchemaType.Integer)
                        ? JsonValue.Create(number)
                        : values.Resolve(JsonValue.Create(value));
                }
            }

            if (metadata.OfType<RequestExample>().LastOrDefault() is { } example
                && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
            {
                media.Example = values.Resolve(JsonNode.Parse(example.Json));
            }

            return Task.CompletedTask;
        }).AddDocumentTransformer(ApiProblems.DescribeDocument).AddDocumentTransformer((document, _, _) =>
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

/// <summary>
/// Values the explorer's examples name as "{{name}}" (a whole JSON string): the demo's ids are random (version 7 GUIDs,
/// as every id), and a badge's code is signed, so the demo seeder fills them once the demo is in place; the examples
/// then work against the demo as they stand. Until then a placeholder shows as written.
/// </summary>
public sealed class DocsExamples
{
    private readonly ConcurrentDictionary<string, JsonNode> values = new(StringComparer.Ordinal);

    public void Set(string name, JsonNode value) => values[name] = value;

    public JsonNode? Resolve(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text)
                && text.StartsWith("{{", StringComparison.Ordinal) && text.EndsWith("}}", StringComparison.Ordinal)
                && values.TryGetValue(text[2..^2], out var found):
                return found.DeepClone();
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    obj[key] = Resolve(child?.DeepClone());
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Resolve(array[i]?.DeepClone());
                }

                return array;
            default:
                return node;
        }
    }
}
