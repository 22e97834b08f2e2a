using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Forum.Design.Api;

/// <summary>What a call answered: the value, or the problem (with its status), and the resource's version (its ETag).</summary>
public sealed record Answer<T>(T? Value, Problem? Problem, long? Version)
    where T : class
{
    public bool Ok => Problem is null;

    /// <summary>Someone changed the resource since the page was shown (If-Match was stale).</summary>
    public bool Stale => Problem?.Status == 412;
}

/// <summary>
/// The API over HTTP, through its public contract only (shared/API.md), as any integrator would call it: a bearer token
/// in the Authorization header (never in an address), If-Match from the version a page showed, problems read as the
/// API writes them. The web client and the staff app each add their own calls.
/// </summary>
public abstract class ApiClient(HttpClient http)
{
    protected static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected HttpClient Http => http;

    public static T Parse<T>(byte[] json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException($"The API answered null for a {typeof(T).Name}.");

    protected async Task<Answer<T>> SendAsync<T>(HttpMethod method, string path, string? token, object? body, long? version, CancellationToken ct)
        where T : class
    {
        using var message = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (version is { } v)
        {
            message.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{v}\""));
        }

        if (body is not null)
        {
            message.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        using var response = await http.SendAsync(message, ct);
        var etag = response.Headers.ETag?.Tag.Trim('"');
        var seen = long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : (long?)null;
        if (response.IsSuccessStatusCode)
        {
            // A 204 (a retried mail, ...) may come without Content-Length: it has no body either way.
            var empty = response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0;
            return new Answer<T>(empty ? null : await response.Content.ReadFromJsonAsync<T>(Json, ct), null, seen);
        }

        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, ct);
            return new Answer<T>(null, problem! with { Status = (int)response.StatusCode }, seen);
        }

        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new Answer<T>(null, new Problem((int)response.StatusCode, null, null, null, null), seen);
        }

        // The address holds no token (it travels in the Authorization header), so this message holds none either.
        response.EnsureSuccessStatusCode();
        return new Answer<T>(null, null, seen);
    }

    /// <summary>
    /// A conditional GET: no body when the API still has the version of the ETag given, else its current ETag and
    /// body; null when the API answers 404; the problem of any other refusal (4xx).
    /// </summary>
    protected async Task<Revalidation?> RevalidateAsync(string path, string? token, string? etag, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                return null;
            case HttpStatusCode.NotModified:
                return new Revalidation(etag, null);
            case >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError when response.Content.Headers.ContentType?.MediaType == "application/problem+json":
                var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, ct);
                return new Revalidation(null, null, problem! with { Status = (int)response.StatusCode });
        }

        response.EnsureSuccessStatusCode();
        return new Revalidation(response.Headers.ETag?.ToString(), await response.Content.ReadAsByteArrayAsync(ct));
    }

    /// <summary>A resource, or null when the API answers 404.</summary>
    protected async Task<T?> GetOrNullAsync<T>(string path, CancellationToken ct)
        where T : class
    {
        using var response = await http.GetAsync(path, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(Json, ct);
    }
}

/// <summary>The answer to a conditional GET: Body is null when the resource has not changed since ETag, or when refused (Problem).</summary>
public sealed record Revalidation(string? ETag, byte[]? Body, Problem? Problem = null);
