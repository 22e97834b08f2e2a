using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Forum.Api.Agenda;
using Forum.Api.Conferences;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Forum.EventStore.Projections;
using Microsoft.Extensions.Options;

namespace Forum.Api.Calendars;

/// <summary>
/// A feed's bytes, plain and gzipped, with the stamp its ETags (one per encoding: the bytes differ) are made of. A feed
/// not rendered yet has stamp 0 and a tag of its own bytes instead (every empty feed has stamp 0, but not the same
/// name: a client must not keep another empty feed's, or an older nameless one's, on a 304).
/// </summary>
public sealed record FeedBytes(long Stamp, byte[] Body, byte[] Gzip, string? Tag = null)
{
    public string ETag { get; } = $"\"{Tag ?? "f" + Stamp}\"";

    public string GzipETag { get; } = $"\"{Tag ?? "f" + Stamp}-gz\"";
}

public sealed record MemberFeedView(Guid MemberId, string? Name, CalendarLinks Feed);

/// <summary>The delegation's feed (every session its members hold seats in) and each member's own.</summary>
public sealed record DelegationFeedsView(Guid DelegationId, CalendarLinks Delegation, IReadOnlyList<MemberFeedView> Members);

/// <summary>
/// Feed tokens (issued when a focal point first asks for the feeds, rotated on demand) and the feeds' bytes as the
/// projection rendered them. A token is 256 random bits; only its SHA-256 is looked up. Grants and stamps are kept in
/// memory and forgotten when any process changes them (<see cref="WatchedDocuments"/>), so a rotated or revoked token
/// answers 404 at once in the process that rotated it and within a notification's time in the others.
/// </summary>
public sealed class CalendarService(EventStore.EventStore store, WatchedDocuments watched, PersonalDataVault vault, IOptions<CalendarOptions> options) : IConferenceFeeds
{
    private const int MaxCached = 20_000;

    // Rendered bytes by feed, with their stamp; the stamp is read from the database on every request.
    private readonly ConcurrentDictionary<string, FeedBytes> cache = new(StringComparer.Ordinal);

    // Feeds not rendered yet, by feed: named as they will be (see EmptyAsync).
    private readonly ConcurrentDictionary<string, FeedBytes> empties = new(StringComparer.Ordinal);

    public CalendarLinks Links(HttpRequest request, string path)
    {
        var baseUrl = options.Value.PublicBaseUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{request.Scheme}://{request.Host}";
        var https = baseUrl + path;
        var webcal = "webcal://" + https[(https.IndexOf("://", StringComparison.Ordinal) + 3)..];
        return new CalendarLinks(https, webcal, "https://calendar.google.com/calendar/render?cid=" + Uri.EscapeDataString(webcal));
    }

    public CalendarLinks ConferenceFeed(HttpRequest request, string slug) => Links(request, $"/calendars/{Uri.EscapeDataString(slug)}.ics");

    public Task<DelegationFeedsView> FeedsAsync(Guid delegationId, HttpRequest request, string actor, CancellationToken ct) =>
        IssueAsync(delegationId, rotate: false, request, actor, ct);

    public Task<DelegationFeedsView> RotateAsync(Guid delegationId, HttpRequest request, string actor, CancellationToken ct) =>
        IssueAsync(delegationId, rotate: true, request, actor, ct);

    /// <summary>
    /// Under the locks of the feed stream and the delegation: a token for the delegation and for each active member that has none (every one
    /// when rotating), the old tokens' keys erased. Withdrawn, replaced and erased members get no feed.
    /// </summary>
    private async Task<DelegationFeedsView> IssueAsync(Guid delegationId, bool rotate, HttpRequest request, string actor, CancellationToken ct)
    {
        var slug = (await store.Documents.LoadAsync<DelegationLocation>(DelegationProjection.ProjectionName, DelegationLocation.DocumentId(delegationId), ct))?.ConferenceSlug
            ?? throw ProblemException.NotFound("such delegation");
        var streamId = FeedTokens.StreamId(delegationId);
        FeedTokens? tokens;
        Delegation delegation;

        // The delegation's lock too: the grants' index is also changed by the delegation's own events (a withdrawn
        // member's feed revoked), and both writers must see each other's changes.
        await using (var tx = await store.BeginAsync([streamId, Delegation.StreamId(delegationId)], ct))
        {
            delegation = (await tx.LoadAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.DocumentId(slug, delegationId), ct))?.State
                ?? throw ProblemException.NotFound("such delegation");
            if (delegation.Status != DelegationStatus.Active)
            {
                throw ProblemException.Conflict("delegation_withdrawn", "This delegation was withdrawn; its feeds are gone.");
            }

            long version;
            (tokens, version) = await tx.AggregateAsync<FeedTokens?>(streamId, null, (s, e) => FeedTokens.Evolve(s, e), ct);
            var owners = delegation.Members.Where(m => m.IsActive && !m.Erased).Select(m => (Guid?)m.Id).Prepend(null).ToList();
            var wanted = owners.Where(o => rotate || tokens?.Current.ContainsKey(o ?? Guid.Empty) != true).ToList();
            if (wanted.Count > 0)
            {
                var keys = new List<SubjectKey>();
                var events = new List<object>();
                foreach (var owner in wanted)
                {
                    var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
                    var token = DelegationService.NewAccessToken();
                    keys.Add(key);
                    events.Add(new FeedTokenIssued(delegationId, delegation.ConferenceSlug, owner, DelegationService.HashToken(token), PersonalDataVault.Seal(key, token)));
                }

                await tx.AppendAsync([new StreamAppend(streamId, "feeds", ExpectedVersion.Exactly(version), events)], EventMetadata.For(actor), ct);
                await vault.SaveKeysAsync(tx.Connection, tx.Transaction, keys, ct);
                var replaced = wanted.Select(o => tokens?.Current.GetValueOrDefault(o ?? Guid.Empty)?.Token.Subject).OfType<Guid>().ToList();
                if (replaced.Count > 0)
                {
                    await vault.EraseAsync(tx.Connection, tx.Transaction, replaced, ct);
                }

                await tx.CommitAsync(ct);
                tokens = events.Aggregate(tokens, (s, e) => FeedTokens.Evolve(s, e));
            }
        }

        var opened = await vault.OpenAsync(tokens!.Current.Values.Select(t => t.Token).Concat(delegation.Members.Select(m => m.Person)), ct);
        string Url(FeedTokenIssued issued, string kind) => $"/calendars/{kind}/{opened.Open<string>(issued.Token)}.ics";
        var members = delegation.Members
            .Where(m => m.IsActive && !m.Erased && tokens.Current.ContainsKey(m.Id))
            .Select(m => new MemberFeedView(m.Id, opened.Open<PersonalDetails>(m.Person)?.Name, Links(request, Url(tokens.Current[m.Id], "people"))))
            .ToList();
        return new DelegationFeedsView(delegationId, Links(request, Url(tokens.Current[Guid.Empty], "delegations")), members);
    }

    /// <summary>A delegation's or a member's feed by its token, or null (404): the grant and the feed's stamp come from memory while nothing changed them.</summary>
    public async Task<FeedBytes?> PrivateFeedAsync(string token, FeedKind kind, CancellationToken ct)
    {
        if (!DelegationService.IsTokenShaped(token))
        {
            return null;
        }

        var grant = await watched.LoadAsync<FeedGrant>(FeedGrantProjection.ProjectionName, FeedGrant.DocumentId(DelegationService.HashToken(token)), ct);
        if (grant is null || (grant.MemberId is null) != (kind == FeedKind.Delegation))
        {
            return null;
        }

        var head = await watched.LoadAsync<FeedHead>(FeedProjection.ProjectionName, FeedHead.DocumentId(grant.FeedKey), ct);
        return await BytesAsync(grant.FeedKey, head, kind, grant.ConferenceSlug, grant.DelegationId, ct);
    }

    /// <summary>The conference's public feed, or null (404) for a conference the public cannot see.</summary>
    public async Task<FeedBytes?> ConferenceFeedAsync(string slug, CancellationToken ct)
    {
        var key = FeedKeys.Conference(slug);
        var head = await watched.LoadAsync<FeedHead>(FeedProjection.ProjectionName, FeedHead.DocumentId(key), ct);
        if (head is null)
        {
            // Nothing published yet: an empty feed for a public conference, so that a subscription can start early.
            var conference = await store.Documents.LoadAsync<ConferenceSummary>(ConferenceCatalogue.ProjectionName, ConferenceCatalogue.ConferenceId(slug), ct);
            return conference is { IsPublic: true } ? await EmptyAsync(key, FeedKind.Public, slug, null, ct) : null;
        }

        return await BytesAsync(key, head, FeedKind.Public, slug, null, ct);
    }

    private async Task<FeedBytes> BytesAsync(string feedKey, FeedHead? head, FeedKind kind, string slug, Guid? delegationId, CancellationToken ct)
    {
        if (head is null)
        {
            return await EmptyAsync(feedKey, kind, slug, delegationId, ct);
        }

        // One service per store (and schema): the feed's key is enough.
        if (cache.TryGetValue(feedKey, out var cached) && cached.Stamp == head.Stamp)
        {
            return cached;
        }

        var rendered = await store.Documents.LoadAsync<RenderedFeed>(FeedProjection.ProjectionName, FeedProjection.FeedId(feedKey), ct);
        if (rendered is null)
        {
            return await EmptyAsync(feedKey, kind, slug, delegationId, ct);
        }

        var bytes = Of(rendered.Stamp, Encoding.UTF8.GetBytes(rendered.Body));
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }

        cache[feedKey] = bytes;
        return bytes;
    }

    /// <summary>
    /// A feed not rendered yet (a conference with nothing published, a delegation or member whose feed the daemon has
    /// not rendered): no events, and otherwise what the rendered feed will have, its name first (X-WR-CALNAME and
    /// NAME), so that a calendar subscribed early shows the name it will keep. Kept per feed, since neither the
    /// conference's title nor the party's name changes; its ETag is a hash of its bytes ("e..."), its own.
    /// </summary>
    private async Task<FeedBytes> EmptyAsync(string feedKey, FeedKind kind, string slug, Guid? delegationId, CancellationToken ct)
    {
        if (empties.TryGetValue(feedKey, out var known))
        {
            return known;
        }

        var conference = await store.Documents.LoadAsync<ConferenceScheduled>(AgendaProjection.ProjectionName, AgendaProjection.ConferenceId(slug), ct)
            ?? throw new InvalidOperationException($"The conference {slug} has a feed but no agenda document.");
        string? party = null;
        if (kind == FeedKind.Delegation && delegationId is { } id)
        {
            party = (await store.Documents.LoadAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.DocumentId(slug, id), ct))?.State.Party.Name
                ?? throw new InvalidOperationException($"The delegation {id} has a feed but no document.");
        }

        var body = FeedRenderer.Render(conference, kind, FeedRenderer.Name(conference, kind, party), [], options.Value);
        var bytes = Of(0, body, "e" + Convert.ToHexStringLower(SHA256.HashData(body), 0, 8));
        if (empties.Count >= MaxCached)
        {
            empties.Clear();
        }

        empties[feedKey] = bytes;
        return bytes;
    }

    private static FeedBytes Of(long stamp, byte[] body, string? tag = null)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return new FeedBytes(stamp, body, compressed.ToArray(), tag);
    }
}
