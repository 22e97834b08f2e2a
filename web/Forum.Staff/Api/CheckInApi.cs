using System.Net.Http.Headers;

namespace Forum.Staff.Api;

// The check-in routes the scanner (/check-in) uses: its page cannot call the API itself (the person's token stays in
// the server-side session), so the staff app forwards its JSON as the API wrote it.

/// <summary>An API answer passed on as it came: status, content type and body.</summary>
public sealed record ForwardedAnswer(int Status, string ContentType, byte[] Body);

/// <summary>The answer to one scan (POST .../check-in), as the no-JavaScript form of the scanner shows it.</summary>
public sealed record ScanAnswer(string Result, Guid MemberId, Guid DelegationId, Party Party, string? Name, string Rank, bool IsHead, DateTimeOffset CheckedInAt, string? Gate);

public sealed record ScanRequestBody(string Code, string ScanId, string? Gate, bool? Admitted = null);

public sealed partial class StaffApi
{
    /// <summary>A check-in route of the conference (roster, key, summary, batch), with the person's token, answered as is.</summary>
    public async Task<ForwardedAnswer> ForwardAsync(HttpMethod method, string slug, string route, byte[]? json, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(method, $"api/conferences/{Slug(slug)}/check-in/{route}");
        if (await TokenAsync() is { } token)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            message.Content = new ByteArrayContent(json);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await Http.SendAsync(message, ct);
        return new ForwardedAnswer(
            (int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? "application/json", await response.Content.ReadAsByteArrayAsync(ct));
    }

    /// <summary>One typed or scanned code checked in online (the scanner's form without JavaScript).</summary>
    public Task<Answer<ScanAnswer>> CheckInAsync(string slug, string code, string? gate, CancellationToken ct) =>
        CallAsync<ScanAnswer>(HttpMethod.Post, $"api/conferences/{Slug(slug)}/check-in", new ScanRequestBody(code, Guid.NewGuid().ToString(), gate), ct: ct);
}
