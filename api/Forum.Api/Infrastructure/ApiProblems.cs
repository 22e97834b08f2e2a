using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Forum.Api.Infrastructure;

/// <summary>A refusal an endpoint answers with: its status and the <c>code</c> values the problem carries there.</summary>
public sealed record ProblemResponse(int Status, params string[] Codes) : IProblemSource
{
    IEnumerable<ProblemResponse> IProblemSource.Problems => [this];
}

/// <summary>Endpoint metadata that refuses on its own (a feature's access rule, say) and says with which problems.</summary>
public interface IProblemSource
{
    IEnumerable<ProblemResponse> Problems { get; }
}

/// <summary>A write that takes If-Match: the ETag of <paramref name="EtagOf"/>.</summary>
public sealed record IfMatchWrite(string EtagOf);

/// <summary>A create that takes an Idempotency-Key header (<see cref="IdempotencyKeys"/>).</summary>
public sealed record IdempotentWrite;

/// <summary>A route that answers for any value of its path parameters (an empty list, say): no 404 of its own.</summary>
public sealed record AnyPathAnswer;

/// <summary>What a tag of the document is about.</summary>
public sealed record TagDescription(string Name, string Description);

/// <summary>
/// The refusals in the OpenAPI document, for the people who generate clients from it: every operation lists the
/// problems it can answer (application/problem+json, one shared <c>Problem</c> schema), each status with the codes it
/// carries (in the description, and one example per code). An endpoint names its own refusals (<see cref="ApiDocs.Refuses"/>,
/// or metadata that is an <see cref="IProblemSource"/>); what follows from the route's shape is added here, once:
/// a JSON body (400 <c>invalid_json</c>, <c>unknown_field</c>), a typed query parameter (400 <c>bad_request</c>), a path
/// parameter (404 <c>not_found</c>, unless the endpoint names its 404s or answers any path), an authorization policy (401, 403),
/// If-Match (412), an Idempotency-Key.
/// </summary>
public static class ApiProblems
{
    public const string SchemaName = "Problem";

    public const string MediaType = "application/problem+json";

    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var problems = new SortedDictionary<int, List<string>>();
        void Add(int status, params string[] codes)
        {
            if (!problems.TryGetValue(status, out var list))
            {
                problems[status] = list = [];
            }

            list.AddRange(codes.Where(c => !list.Contains(c)));
        }

        // One endpoint that answers GET and HEAD is two operations: the HEAD one's id says so.
        if (metadata.OfType<IEndpointNameMetadata>().LastOrDefault() is { } name && HttpMethods.IsHead(description.HttpMethod ?? "")
            && metadata.OfType<IHttpMethodMetadata>().Any(m => m.HttpMethods.Any(HttpMethods.IsGet)))
        {
            operation.OperationId = name.EndpointName + "Head";
        }

        var named = metadata.OfType<IProblemSource>().SelectMany(s => s.Problems).ToList();
        foreach (var parameter in description.ParameterDescriptions)
        {
            var type = Nullable.GetUnderlyingType(parameter.Type) ?? parameter.Type;
            if (parameter.Source == BindingSource.Body)
            {
                // Refused by the binder (ThrowOnBadRequest), mapped in ProblemExceptionHandler.
                Add(400, parameter.IsRequired ? ["bad_request", "invalid_json", "unknown_field"] : ["invalid_json", "unknown_field"]);
            }
            else if (parameter.Source == BindingSource.Query && (parameter.IsRequired || type != typeof(string)))
            {
                Add(400, "bad_request");
            }
            else if (parameter.Source == BindingSource.Path && named.All(p => p.Status != StatusCodes.Status404NotFound) && !metadata.OfType<AnyPathAnswer>().Any())
            {
                Add(404, "not_found");
            }
        }

        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count > 0 && !metadata.OfType<IAllowAnonymous>().Any())
        {
            Add(401, "unauthenticated");
            if (authorize.Any(a => !string.IsNullOrEmpty(a.Policy) || !string.IsNullOrEmpty(a.Roles)))
            {
                Add(403, "forbidden");
            }
        }

        var notes = new List<string>();
        if (metadata.OfType<IdempotentWrite>().Any())
        {
            Add(400, "invalid_idempotency_key");
            Add(422, "idempotency_key_reused");
            Header(operation, "Idempotency-Key", "A key of the caller's choosing (1 to 255 visible ASCII characters), the same on every retry of this request.");
            notes.Add("**Idempotency-Key.** A retry with the same key and the same body answers what the first request answered, and creates nothing more; " +
                "the same key with another body is refused (422 `idempotency_key_reused`). Without the header, every request creates.");
        }

        if (metadata.OfType<IfMatchWrite>().LastOrDefault() is { } ifMatch)
        {
            Add(412, "precondition_failed");
            Header(operation, "If-Match", $"The ETag of {ifMatch.EtagOf} as it was read (`\"7\"`): a stale one answers 412 and nothing is written.");
            notes.Add($"**If-Match.** Send the ETag of {ifMatch.EtagOf} as it was read: when it is stale (someone changed it since), the answer is 412 " +
                "`precondition_failed` with the `currentVersion`, and nothing is written; read it again and decide. Without If-Match the write applies to " +
                "whatever version is current.");
        }

        foreach (var problem in named)
        {
            Add(problem.Status, problem.Codes);
        }

        if (problems.TryGetValue(StatusCodes.Status409Conflict, out var conflicts) && conflicts.Contains("version_conflict"))
        {
            notes.Add("**Races.** A write that loses a race to another writer of the same resource answers 409 `version_conflict` and writes nothing: read again and retry.");
        }

        if (notes.Count > 0)
        {
            operation.Description = string.Join("\n\n", new[] { operation.Description }.Where(d => !string.IsNullOrWhiteSpace(d)).Concat(notes));
        }

        operation.Responses ??= [];
        foreach (var (status, codes) in problems)
        {
            var examples = codes.ToDictionary(c => c, c => (IOpenApiExample)new OpenApiExample
            {
                Value = new JsonObject { ["status"] = status, ["code"] = c },
            });
            operation.Responses[status.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = $"{Title(status)}. The problem's `code`: {string.Join(", ", codes.Select(c => $"`{c}`"))}.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [MediaType] = new() { Schema = new OpenApiSchemaReference(SchemaName, context.Document), Examples = examples },
                },
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>The shared Problem schema, the tags' descriptions (from <see cref="TagDescription"/>), servers without a trailing slash.</summary>
    public static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[SchemaName] = ProblemSchema();

        var described = context.DescriptionGroups.SelectMany(g => g.Items).SelectMany(d => d.ActionDescriptor.EndpointMetadata.OfType<TagDescription>())
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Description, StringComparer.Ordinal);
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } tagName && described.TryGetValue(tagName, out var text))
            {
                tag.Description = text;
            }
        }

        // The generator writes the request's base address ("http://host/"); a client joins paths to it ("/api/..."): no double slash.
        foreach (var server in document.Servers ?? [])
        {
            if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
            {
                server.Url = url.TrimEnd('/');
            }
        }

        return Task.CompletedTask;
    }

    private static void Header(OpenApiOperation operation, string name, string description)
    {
        operation.Parameters ??= [];
        if (operation.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.In == ParameterLocation.Header))
        {
            return;
        }

        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = false,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }

    private static string Title(int status) => status switch
    {
        400 => "The request is not valid",
        401 => "No valid bearer token",
        403 => "The token does not allow this",
        404 => "Not found, or not visible to the caller",
        409 => "Conflict with the resource's state",
        412 => "If-Match is stale: nothing was written",
        422 => "The request cannot be carried out",
        503 => "Not available",
        _ => "Refused",
    };

    private static OpenApiSchema ProblemSchema()
    {
        static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. Every refusal of the API is one, with a machine-readable `code`: each operation lists the codes it can answer, by status.",
            Required = new HashSet<string>(StringComparer.Ordinal) { "status", "code" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = Text("A URI reference naming the kind of problem."),
                ["title"] = Text("A short summary, for people."),
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status." },
                ["detail"] = Text("What went wrong in this request, for people."),
                ["instance"] = Text("The request it is about."),
                ["code"] = Text("What went wrong, for programs: `not_found`, `validation_failed`, `room_double_booked`, ... (the operation's answers list its codes)."),
                ["traceId"] = Text("The request's trace identifier, to quote to the operators."),
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "With `validation_failed`: the messages per field.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
                ["currentVersion"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Format = "int64",
                    Description = "With `version_conflict` and `precondition_failed`: the resource's version now (its ETag).",
                },
            },
        };
    }
}
