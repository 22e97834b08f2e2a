using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Forum.Web.Api;

/// <summary>The API over HTTP, through its public contract only (shared/API.md), as any integrator would call it.</summary>
public sealed class ForumApi(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<Conference>> ConferencesAsync(CancellationToken ct) =>
        await http.GetFromJsonAsync<List<Conference>>("api/conferences", Json, ct) ?? [];

    /// <summary>The conference, or null when the public may not see it (the API answers 404).</summary>
    public Task<Conference?> ConferenceAsync(string slug, CancellationToken ct) =>
        GetOrNullAsync<Conference>($"api/conferences/{Uri.EscapeDataString(slug)}", ct);

    /// <summary>The latest published agenda, or null when none is published.</summary>
    public Task<Agenda?> AgendaAsync(string slug, CancellationToken ct) =>
        GetOrNullAsync<Agenda>($"api/conferences/{Uri.EscapeDataString(slug)}/agenda", ct);

    /// <summary>
    /// Registers a delegation. The same <paramref name="idempotencyKey"/> sent twice makes one delegation: the API
    /// answers the second time as it did the first.
    /// </summary>
    public async Task<(Delegation? Delegation, Problem? Problem)> RegisterAsync(string slug, RegisterDelegationRequest request, string idempotencyKey, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"api/conferences/{Uri.EscapeDataString(slug)}/delegations")
        {
            Content = JsonContent.Create(request, options: Json),
        };
        message.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await http.SendAsync(message, ct);
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<Delegation>(Json, ct), null);
        }

        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, ct);
            return (null, problem! with { Status = (int)response.StatusCode });
        }

        response.EnsureSuccessStatusCode();
        return (null, null);
    }

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken ct)
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
