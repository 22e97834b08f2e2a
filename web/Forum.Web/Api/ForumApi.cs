using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Forum.Web.Api;

/// <summary>The API over HTTP, through its public contract only (shared/API.md), as any integrator would call it.</summary>
public sealed class ForumApi(HttpClient http) : ApiClient(http)
{
    public async Task<IReadOnlyList<Conference>> ConferencesAsync(CancellationToken ct) =>
        await Http.GetFromJsonAsync<List<Conference>>("api/conferences", Json, ct) ?? [];

    /// <summary>The conference, or null when the public may not see it (the API answers 404).</summary>
    public Task<Conference?> ConferenceAsync(string slug, CancellationToken ct) =>
        GetOrNullAsync<Conference>($"api/conferences/{Uri.EscapeDataString(slug)}", ct);

    /// <summary>The latest published agenda, or null when none is published.</summary>
    public Task<Agenda?> AgendaAsync(string slug, CancellationToken ct) =>
        GetOrNullAsync<Agenda>($"api/conferences/{Uri.EscapeDataString(slug)}/agenda", ct);

    /// <summary>What changed between two published versions of the agenda, or null when either is not there.</summary>
    public Task<AgendaChanges?> AgendaChangesAsync(string slug, int from, int to, CancellationToken ct) =>
        GetOrNullAsync<AgendaChanges>($"api/conferences/{Uri.EscapeDataString(slug)}/agenda/changes?from={from}&to={to}", ct);

    /// <summary>A series with its published editions and their declarations, or null when there is no such series.</summary>
    public Task<Series?> SeriesAsync(string slug, CancellationToken ct) => GetOrNullAsync<Series>($"api/series/{Uri.EscapeDataString(slug)}", ct);

    /// <summary>The conference's adopted declarations (an empty list when it has none).</summary>
    public async Task<IReadOnlyList<DeclarationEntry>> DeclarationsAsync(string slug, CancellationToken ct) =>
        await GetOrNullAsync<List<DeclarationEntry>>($"api/conferences/{Uri.EscapeDataString(slug)}/declarations", ct) ?? [];

    /// <summary>An adopted declaration, or null when the public may not see it.</summary>
    public Task<Declaration?> DeclarationAsync(Guid id, CancellationToken ct) => GetOrNullAsync<Declaration>($"api/declarations/{id}", ct);

    public Task<SignatoryRegister?> SignatoriesAsync(Guid id, CancellationToken ct) => GetOrNullAsync<SignatoryRegister>($"api/declarations/{id}/signatories", ct);

    /// <summary>Every year's aggregate since adoption, side by side.</summary>
    public Task<ProgressYears?> ProgressAsync(Guid id, CancellationToken ct) => GetOrNullAsync<ProgressYears>($"api/declarations/{id}/progress", ct);

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
        using var response = await Http.SendAsync(message, ct);
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

    // The focal point's calls: each carries the delegation's access token as a bearer token, never in an address.

    /// <summary>The delegation a token reaches; a 404 (unknown or rotated token) is a problem with status 404.</summary>
    public Task<Answer<DelegationDetails>> MineAsync(string token, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Get, "api/delegations/mine", token, null, null, ct);

    public Task<Answer<DelegationDetails>> AddMemberAsync(string token, Guid id, MemberRequest member, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Post, $"api/delegations/{id}/members", token, member, version, ct);

    public Task<Answer<DelegationDetails>> ReplaceMemberAsync(string token, Guid id, Guid memberId, MemberRequest member, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Put, $"api/delegations/{id}/members/{memberId}", token, member, version, ct);

    public Task<Answer<DelegationDetails>> WithdrawMemberAsync(string token, Guid id, Guid memberId, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Delete, $"api/delegations/{id}/members/{memberId}", token, null, version, ct);

    public Task<Answer<DelegationDetails>> RequestSeatsAsync(string token, Guid id, SeatsRequest seats, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Post, $"api/delegations/{id}/seats", token, seats, version, ct);

    public Task<Answer<DelegationDetails>> ReleaseSeatAsync(string token, Guid id, Guid sessionId, Guid memberId, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Delete, $"api/delegations/{id}/seats/{sessionId}/{memberId}", token, null, version, ct);

    public Task<Answer<DelegationFeeds>> FeedsAsync(string token, Guid id, CancellationToken ct) =>
        SendAsync<DelegationFeeds>(HttpMethod.Get, $"api/delegations/{id}/feeds", token, null, null, ct);

    public Task<Answer<DelegationFeeds>> RotateFeedsAsync(string token, Guid id, CancellationToken ct) =>
        SendAsync<DelegationFeeds>(HttpMethod.Post, $"api/delegations/{id}/feeds/rotate", token, null, null, ct);

    public async Task<Answer<AccessToken>> RotateTokenAsync(string token, Guid id, long version, CancellationToken ct)
    {
        var answer = await SendAsync<TokenAnswer>(HttpMethod.Post, $"api/delegations/{id}/token/rotate", token, null, version, ct);
        return new Answer<AccessToken>(answer.Value is null ? null : new AccessToken(answer.Value.AccessToken), answer.Problem, answer.Version);
    }

    /// <summary>Hands the delegation to another focal point (name and e-mail); the access link stays as it is.</summary>
    public Task<Answer<DelegationDetails>> ChangeFocalPointAsync(string token, Guid id, ContactRequest contact, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Put, $"api/delegations/{id}/focal-point", token, contact, version, ct);

    /// <summary>Withdraws the whole delegation: its places and seats go to the first in line.</summary>
    public Task<Answer<DelegationDetails>> WithdrawDelegationAsync(string token, Guid id, string? reason, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Post, $"api/delegations/{id}/withdraw", token, new WithdrawDelegationRequest(reason), version, ct);

    /// <summary>Erases a member's name, function and e-mail (a focal point may once the member, or the delegation, is withdrawn).</summary>
    public Task<Answer<DelegationDetails>> ErasePersonalDataAsync(string token, Guid id, Guid memberId, long version, CancellationToken ct) =>
        SendAsync<DelegationDetails>(HttpMethod.Delete, $"api/delegations/{id}/members/{memberId}/personal-data", token, null, version, ct);

    /// <summary>Signs a declaration for the delegation; the declaration's own lock orders signatures, so no If-Match.</summary>
    public Task<Answer<Declaration>> SignAsync(string token, Guid declarationId, SignRequest request, CancellationToken ct) =>
        SendAsync<Declaration>(HttpMethod.Post, $"api/declarations/{declarationId}/signatures", token, request, null, ct);

    public Task<Answer<Declaration>> WithdrawSignatureAsync(string token, Guid declarationId, Guid delegationId, string? reason, CancellationToken ct) =>
        SendAsync<Declaration>(HttpMethod.Post, $"api/declarations/{declarationId}/signatures/{delegationId}/withdraw", token, new WithdrawSignatureRequest(reason), null, ct);

    public Task<Answer<ReportView>> ReportAsync(string token, Guid declarationId, ReportRequest request, CancellationToken ct) =>
        SendAsync<ReportView>(HttpMethod.Post, $"api/declarations/{declarationId}/reports", token, request, null, ct);

    /// <summary>The party's report for a year as it stands; a problem with status 404 when there is none yet.</summary>
    public Task<Answer<ReportView>> ReportOfAsync(string token, Guid declarationId, Guid delegationId, int year, CancellationToken ct) =>
        SendAsync<ReportView>(HttpMethod.Get, $"api/declarations/{declarationId}/reports/{delegationId}?year={year}", token, null, null, ct);

    /// <summary>A member's badge as the API draws it (SVG), or null when the API answers 404 (not this delegation's, not accredited).</summary>
    public async Task<HttpResponseMessage?> BadgeAsync(string token, Guid id, Guid memberId, CancellationToken ct)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, $"api/delegations/{id}/members/{memberId}/badge");
        message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        message.Headers.Accept.ParseAdd("image/svg+xml");
        var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        response.Dispose();
        return null;
    }

    private sealed record TokenAnswer(string AccessToken);

    /// <summary>A public resource as the API sent it, or null when the API answers 404.</summary>
    public async Task<byte[]?> PublicBytesAsync(string path, CancellationToken ct)
    {
        using var response = await Http.GetAsync(path, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    /// <summary>A conditional GET of a public resource (see <see cref="ApiClient.RevalidateAsync"/>).</summary>
    public Task<Revalidation?> RevalidateAsync(string path, string? etag, CancellationToken ct) => RevalidateAsync(path, null, etag, ct);
}
