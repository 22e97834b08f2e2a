using System.Net.Http.Headers;
using System.Text.Json;

namespace Forum.Staff.Api;

// The protocol officers' reads and changes (shared/API.md, and docs/api.md's routes for the protocol pages); a
// delegation's models come from the design library, which the focal point's area reads too.

/// <summary>A member awaiting protocol's decision; Since is when the member joined its delegation (oldest first).</summary>
public sealed record QueuedMember(
    Guid DelegationId,
    int DelegationNumber,
    long DelegationVersion,
    Party Party,
    Guid MemberId,
    string? Name,
    string? Function,
    string Rank,
    bool IsHead,
    bool HasFullPowers,
    bool Erased,
    PlaceState Place,
    DateTimeOffset Since);

public sealed record WaitingMember(long Position, Guid DelegationId, Guid MemberId, Party Party, string? Name, bool Erased, string Rank, string Accreditation);

public sealed record WaitingList(string ConferenceSlug, int Capacity, int Admitted, IReadOnlyList<WaitingMember> Waiting);

/// <summary>A member who took a freed place from the waiting list: when, and why the place freed.</summary>
public sealed record MovedUp(Guid DelegationId, Party Party, Guid MemberId, string? Name, bool Erased, DateTimeOffset At, string Reason);

/// <summary>One event of a delegation's history (erased personal data comes as <c>{"erased": true}</c>).</summary>
public sealed record DelegationEvent(string Type, DateTimeOffset Time, string? Actor, string? Reason, long Version, JsonElement Data)
{
    /// <summary>The member the event is about, when it is about one.</summary>
    public Guid? MemberId => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("memberId", out var id) && id.TryGetGuid(out var g) ? g : null;

    /// <summary>The person's name as the API recorded it ("protocol:sub (Name)"), else the actor as recorded.</summary>
    public string Who => HistoryEntry.NameOf(Actor);
}

/// <summary>A badge as the API answers it in JSON: what it shows and the signed code its QR code holds.</summary>
public sealed record BadgeData(
    Guid DelegationId,
    Guid MemberId,
    string ConferenceSlug,
    string ConferenceTitle,
    Party Party,
    string Name,
    string Function,
    string Rank,
    bool IsHead,
    int Serial,
    string Code,
    string KeyId);

/// <summary>One line of the list of participants, in protocol order.</summary>
public sealed record Participant(
    Guid DelegationId,
    Guid MemberId,
    string Party,
    string Kind,
    string? Name,
    string? Function,
    string Rank,
    bool IsHead,
    bool Erased,
    DateTimeOffset? CheckedInAt,
    string? Gate,
    string? Email);

public sealed record AccreditationRequest(string Decision, string? Reason);

public sealed record FullPowersRequest(bool? Confirmed, string? Reason);

/// <summary>A file the API made (the participants' CSV), passed on as it came.</summary>
public sealed record ApiFile(byte[] Content, string ContentType, string? FileName);

public sealed partial class StaffApi
{
    public Task<Answer<List<DelegationDetails>>> DelegationsAsync(string slug, CancellationToken ct) =>
        CallAsync<List<DelegationDetails>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/delegations", ct: ct);

    /// <summary>One delegation with its version (ETag) for If-Match.</summary>
    public Task<Answer<DelegationDetails>> DelegationAsync(Guid id, CancellationToken ct) => CallAsync<DelegationDetails>(HttpMethod.Get, $"api/delegations/{id}", ct: ct);

    public Task<Answer<List<DelegationEvent>>> DelegationHistoryAsync(Guid id, CancellationToken ct) =>
        CallAsync<List<DelegationEvent>>(HttpMethod.Get, $"api/delegations/{id}/history", ct: ct);

    public Task<Answer<List<QueuedMember>>> AccreditationQueueAsync(string slug, CancellationToken ct) =>
        CallAsync<List<QueuedMember>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/accreditation-queue", ct: ct);

    public Task<Answer<WaitingList>> WaitingListAsync(string slug, CancellationToken ct) => CallAsync<WaitingList>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/waiting-list", ct: ct);

    public Task<Answer<List<MovedUp>>> MovedUpAsync(string slug, CancellationToken ct) => CallAsync<List<MovedUp>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/waiting-list/moved-up", ct: ct);

    /// <summary>Approves or rejects (with a reason) a member, against the delegation's version the page showed (If-Match).</summary>
    public Task<Answer<DelegationDetails>> DecideAccreditationAsync(Guid id, Guid memberId, string decision, string? reason, long version, CancellationToken ct) =>
        CallAsync<DelegationDetails>(HttpMethod.Post, $"api/delegations/{id}/members/{memberId}/accreditation", new AccreditationRequest(decision, reason), version, ct);

    public Task<Answer<DelegationDetails>> DecideFullPowersAsync(Guid id, Guid memberId, bool? confirmed, string? reason, long version, CancellationToken ct) =>
        CallAsync<DelegationDetails>(HttpMethod.Post, $"api/delegations/{id}/members/{memberId}/full-powers", new FullPowersRequest(confirmed, reason), version, ct);

    public Task<Answer<DelegationDetails>> ErasePersonalDataAsync(Guid id, Guid memberId, long version, CancellationToken ct) =>
        CallAsync<DelegationDetails>(HttpMethod.Delete, $"api/delegations/{id}/members/{memberId}/personal-data", version: version, ct: ct);

    /// <summary>A new serial for the member's badge: the old badge's code is refused from now on.</summary>
    public Task<Answer<BadgeData>> ReissueBadgeAsync(Guid id, Guid memberId, CancellationToken ct) =>
        CallAsync<BadgeData>(HttpMethod.Post, $"api/delegations/{id}/members/{memberId}/badge/reissue", ct: ct);

    /// <summary>The badges of every participant, or of one delegation's, in protocol order.</summary>
    public Task<Answer<List<BadgeData>>> BadgesAsync(string slug, Guid? delegationId, CancellationToken ct) =>
        CallAsync<List<BadgeData>>(HttpMethod.Get, $"api/conferences/{Slug(slug)}/badges" + (delegationId is { } d ? $"?delegationId={d}" : ""), ct: ct);

    public async Task<List<Participant>?> ParticipantsAsync(string slug, CancellationToken ct)
    {
        var file = await FileAsync($"api/conferences/{Slug(slug)}/participants", "application/json", ct);
        return file is null ? null : Parse<List<Participant>>(file.Content);
    }

    /// <summary>The participants' CSV as the API makes it, with or without the e-mail addresses.</summary>
    public Task<ApiFile?> ParticipantsCsvAsync(string slug, bool emails, CancellationToken ct) =>
        FileAsync($"api/conferences/{Slug(slug)}/participants.csv" + (emails ? "?emails=true" : ""), "text/csv", ct);

    /// <summary>A read in a type other than the client's JSON (Accept named); null when the API answers 404.</summary>
    private async Task<ApiFile?> FileAsync(string path, string accept, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync());
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var response = await Http.SendAsync(message, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return new ApiFile(
            await response.Content.ReadAsByteArrayAsync(ct),
            response.Content.Headers.ContentType?.ToString() ?? accept,
            response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }
}
