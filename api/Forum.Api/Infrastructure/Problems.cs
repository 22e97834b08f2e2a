using System.Text.Json;
using Forum.EventStore;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Api.Infrastructure;

/// <summary>A refusal the domain or the API explains to the caller as an RFC 9457 problem with a machine-readable code.</summary>
public class ProblemException(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null)
    : Exception(detail)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string Title { get; } = title;

    public IDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();

    public static ProblemException NotFound(string what) =>
        new(StatusCodes.Status404NotFound, "not_found", "Not found", $"There is no {what}.");

    public static ProblemException Conflict(string code, string detail, IDictionary<string, object?>? extensions = null) =>
        new(StatusCodes.Status409Conflict, code, "Conflict", detail, extensions);

    public static ProblemException Unprocessable(string code, string detail, IDictionary<string, object?>? extensions = null) =>
        new(StatusCodes.Status422UnprocessableEntity, code, "The request cannot be carried out", detail, extensions);
}

/// <summary>Field-by-field validation failures (400, code validation_failed).</summary>
public sealed class ValidationException(IDictionary<string, string[]> errors)
    : ProblemException(StatusCodes.Status400BadRequest, "validation_failed", "The request is not valid", "One or more fields are not valid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>Collects validation errors and throws them all at once.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public Validator Require(bool ok, string field, string message)
    {
        if (!ok)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        return this;
    }

    public bool HasErrors(string field) => errors.ContainsKey(field);

    public void ThrowIfInvalid()
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}

/// <summary>Maps every exception, once, to a problem: known refusals keep their status and code; the unknown is a 500 without internals.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            ValidationException v => new HttpValidationProblemDetails(v.Errors) { Status = v.Status, Title = v.Title, Detail = v.Message, Extensions = { ["code"] = v.Code } },
            ProblemException p => WithExtensions(new ProblemDetails { Status = p.Status, Title = p.Title, Detail = p.Message, Extensions = { ["code"] = p.Code } }, p.Extensions),
            ConcurrencyException c => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Conflict",
                Detail = "Someone else changed this resource at the same moment; read it again and retry.",
                Extensions = { ["code"] = "version_conflict", ["currentVersion"] = c.ActualVersion },
            },
            BadHttpRequestException { InnerException: JsonException json } => BadJson(json),
            BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "Bad request", Detail = b.Message, Extensions = { ["code"] = "bad_request" } },
            _ => null,
        };

        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails { Status = 500, Title = "Internal error", Detail = "Something went wrong on our side.", Extensions = { ["code"] = "internal_error" } };
        }

        httpContext.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails WithExtensions(ProblemDetails problem, IDictionary<string, object?> extensions)
    {
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    private static ProblemDetails BadJson(JsonException json)
    {
        var unknown = json.Message.Contains("could not be mapped", StringComparison.Ordinal);
        return new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = unknown ? "Unknown field" : "Malformed JSON",
            Detail = unknown
                ? $"The body has a field the contract does not know{(json.Path is { } p ? $" ({p})" : "")}."
                : $"The body is not valid JSON for this request{(json.Path is { } p2 ? $" (at {p2})" : "")}.",
            Extensions = { ["code"] = unknown ? "unknown_field" : "invalid_json" },
        };
    }

    /// <summary>Problems that come from status codes alone (unknown route, wrong method) get a code too.</summary>
    public static void AddCode(ProblemDetailsContext context)
    {
        context.ProblemDetails.Extensions.TryAdd("code", context.ProblemDetails.Status switch
        {
            400 => "bad_request",
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            412 => "precondition_failed",
            415 => "unsupported_media_type",
            _ => "error",
        });
        context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
    }
}

public static class ProblemResults
{
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"There is no {what}.", extensions: new Dictionary<string, object?> { ["code"] = "not_found" });
}
