using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Forum.Web.Api;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;

namespace Forum.Web.Pages.Conferences;

/// <summary>
/// What one conference page shows, read from the API for one request, and a fingerprint of exactly what was read: two
/// requests with the same fingerprint render the same page.
/// </summary>
public sealed record ConferencePageData(
    Conference Conference,
    Agenda? Agenda,
    IReadOnlyList<AgendaDayLayout> Days,
    IReadOnlyList<DeclarationEntry> Declarations,
    AgendaChanges? Changes,
    string Fingerprint);

/// <summary>
/// The conference page is the busiest page and the most expensive to make: a 400-session agenda is 460 KB of JSON to
/// parse and lay out, and 190 KB of HTML to render and compress. Every request still asks the API for the conference
/// and its declarations (small) and revalidates the agenda with its ETag (a 304 while no new version is published),
/// so the page is always as current as the API; what is kept is the work done on the same answers: the parsed agenda
/// and its layout per version, and the finished (compressed) page per fingerprint, language and Accept-Encoding.
/// </summary>
public sealed partial class ConferencePageCache : IDisposable
{
    /// <summary>Enough for a few hundred pages; an entry's size is its bytes.</summary>
    private const long SizeLimit = 64L * 1024 * 1024;

    private static readonly object DataKey = new();

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = SizeLimit });

    /// <summary>The data the cache read for this request, so that the page renders exactly what its fingerprint names.</summary>
    public static ConferencePageData? DataFor(HttpContext http) => http.Items[DataKey] as ConferencePageData;

    public async Task<ConferencePageData?> LoadAsync(ForumApi api, string slug, CancellationToken ct)
    {
        var escaped = Uri.EscapeDataString(slug);
        var conferenceBytes = api.PublicBytesAsync($"api/conferences/{escaped}", ct);
        var declarationBytes = api.PublicBytesAsync($"api/conferences/{escaped}/declarations", ct);
        var agenda = AgendaAsync(api, slug, ct);
        if (await conferenceBytes is not { } conference)
        {
            return null;
        }

        var declarations = await declarationBytes ?? "[]"u8.ToArray();
        var published = await agenda;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(conference);
        hash.AppendData([0]);
        hash.AppendData(declarations);
        hash.AppendData([0]);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(published?.ETag ?? ""));
        return new ConferencePageData(
            ForumApi.Parse<Conference>(conference),
            published?.Agenda,
            published?.Days ?? [],
            ForumApi.Parse<List<DeclarationEntry>>(declarations),
            published?.Changes,
            Convert.ToHexString(hash.GetHashAndReset()));
    }

    public void Dispose() => cache.Dispose();

    /// <summary>The published agenda, parsed and laid out once per version it is published in.</summary>
    private async Task<PublishedAgenda?> AgendaAsync(ForumApi api, string slug, CancellationToken ct)
    {
        var key = ("agenda", slug);
        var known = cache.Get<PublishedAgenda>(key);
        var path = $"api/conferences/{Uri.EscapeDataString(slug)}/agenda";
        var answer = await api.RevalidateAsync(path, known?.ETag, ct);
        if (answer is null)
        {
            cache.Remove(key);
            return null;
        }

        if (answer.Body is null && known is not null)
        {
            return known;
        }

        var agenda = ForumApi.Parse<Agenda>(answer.Body!);
        var changes = agenda.Version is int version && version > 1 ? await api.AgendaChangesAsync(slug, version - 1, version, ct) : null;
        var days = agenda.Days.Select(AgendaDayLayout.Of).Where(d => d.Sessions.Count > 0).ToList();
        var fresh = new PublishedAgenda(answer.ETag ?? $"body:{Convert.ToHexString(SHA256.HashData(answer.Body!))}", agenda, days, changes);
        if (answer.ETag is not null)
        {
            // Parsed objects weigh several times their JSON.
            cache.Set(key, fresh, new MemoryCacheEntryOptions { Size = answer.Body!.Length * 4L, SlidingExpiration = TimeSpan.FromMinutes(30) });
        }

        return fresh;
    }

    private sealed record PublishedAgenda(string ETag, Agenda Agenda, IReadOnlyList<AgendaDayLayout> Days, AgendaChanges? Changes);

    private sealed record RenderedPage(IReadOnlyList<KeyValuePair<string, StringValues>> Headers, byte[] Body);

    [GeneratedRegex("^(/fr)?/conferences/([^/]+)/?$", RegexOptions.CultureInvariant)]
    private static partial Regex ConferencePath();

    /// <summary>
    /// Answers the conference page from the cache when the API's answers have not changed, and keeps what the page
    /// renders otherwise. It runs first, so what it keeps is the answer as sent (compressed, with every header) and a
    /// cached answer is sent as it is. Pages that set a cookie, and any answer other than 200, are not kept.
    /// </summary>
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) || request.QueryString.HasValue || ConferencePath().Match(request.Path.Value ?? "") is not { Success: true } match)
        {
            await next(http);
            return;
        }

        ConferencePageData? data;
        try
        {
            data = await LoadAsync(http.RequestServices.GetRequiredService<ForumApi>(), Uri.UnescapeDataString(match.Groups[2].Value), http.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            // The page makes its own calls and fails as any page does when the API cannot be reached.
            await next(http);
            return;
        }

        if (data is null)
        {
            await next(http);
            return;
        }

        http.Items[DataKey] = data;
        var key = ("page", request.Path.Value, request.Headers.AcceptEncoding.ToString(), data.Fingerprint);
        if (cache.Get<RenderedPage>(key) is { } page)
        {
            foreach (var (name, value) in page.Headers)
            {
                http.Response.Headers[name] = value;
            }

            http.Response.ContentLength = page.Body.Length;
            await http.Response.Body.WriteAsync(page.Body, http.RequestAborted);
            return;
        }

        var sent = http.Response.Body;
        await using var copy = new CopyingStream(sent);
        http.Response.Body = copy;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = sent;
        }

        var response = http.Response;
        if (response.StatusCode == StatusCodes.Status200OK && !response.Headers.ContainsKey("Set-Cookie") && copy.Copy is { } body)
        {
            var headers = response.Headers
                .Where(h => h.Key is not ("Date" or "Content-Length" or "Transfer-Encoding"))
                .ToList();
            cache.Set(key, new RenderedPage(headers, body.ToArray()), new MemoryCacheEntryOptions
            {
                Size = body.Length + 1024,
                SlidingExpiration = TimeSpan.FromMinutes(30),
            });
        }
    }

    /// <summary>Passes writes through and keeps a copy, up to a bound (a page beyond it is simply not kept).</summary>
    private sealed class CopyingStream(Stream inner) : Stream
    {
        private const int MaxCopy = 4 * 1024 * 1024;

        public MemoryStream? Copy { get; private set; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (Copy is null)
            {
                return;
            }

            if (Copy.Length + bytes.Length > MaxCopy)
            {
                Copy = null;
                return;
            }

            Copy.Write(bytes);
        }
    }
}
