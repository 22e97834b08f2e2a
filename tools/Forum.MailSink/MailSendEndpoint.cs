using System.Buffers.Text;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Forum.MailSink;

/// <summary>
/// POST /v3/mail/send as SendGrid answers it: 413 (over 30 MB, nginx's HTML page), 401 (no key: "Permission denied,
/// wrong credentials"; a wrong one: "The provided authorization grant is invalid, expired, or revoked"), a fault a test
/// asked for (429 with X-RateLimit-* headers, 5xx, a late answer), 415 (not JSON, or not UTF-8), 400 with every
/// validation error, 200 in sandbox mode (not sent), else 202 with an empty body and X-Message-Id.
/// </summary>
public static class MailSendEndpoint
{
    private static readonly JsonSerializerOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly byte[] TooLargeHtml = Encoding.ASCII.GetBytes(
        "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");

    private static readonly byte[] TooManyRequests = Encoding.ASCII.GetBytes("{\"errors\":[{\"field\":null,\"message\":\"too many requests\"}]}");

    public static async Task HandleAsync(HttpContext ctx, MailSinkOptions options, ApiKeys keys, MailStore store, Faults faults,
        EventDispatcher dispatcher, SinkStats stats, TimeProvider clock)
    {
        var request = ctx.Request;
        var aborted = ctx.RequestAborted;
        if (request.ContentLength > options.MaxBodyBytes)
        {
            await TooLargeAsync(ctx, stats);
            return;
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            stats.Add(Stat.Unauthorized);
            await ErrorsAsync(ctx, StatusCodes.Status401Unauthorized, [new SendGridError("Permission denied, wrong credentials", null, null)]);
            return;
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !keys.Accepts(authorization.AsSpan(7).Trim()))
        {
            stats.Add(Stat.Unauthorized);
            await ErrorsAsync(ctx, StatusCodes.Status401Unauthorized, [new SendGridError("The provided authorization grant is invalid, expired, or revoked", null, null)]);
            return;
        }

        var lateBy = 0;
        if (faults.TryTakeNext(out var fault))
        {
            if (fault.Status is int status)
            {
                stats.Add(Stat.Faulted);
                if (fault.DelayMs is > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(fault.DelayMs.Value), clock, aborted);
                }

                if (status == StatusCodes.Status429TooManyRequests)
                {
                    var limit = faults.State.RateLimit?.Limit ?? 600;
                    await TooManyAsync(ctx, limit, clock.GetUtcNow().ToUnixTimeSeconds() + (fault.RetryAfterSeconds ?? 1));
                }
                else
                {
                    await ErrorsAsync(ctx, status, [new SendGridError(ReasonPhrases.GetReasonPhrase(status), null, null)]);
                }

                return;
            }

            lateBy = fault.DelayMs ?? 0;
        }

        if (faults.Count() is { } rate)
        {
            if (rate.Over)
            {
                stats.Add(Stat.RateLimited);
                await TooManyAsync(ctx, rate.Limit, rate.Reset);
                return;
            }

            ctx.Response.Headers["X-RateLimit-Limit"] = rate.Limit.ToString(CultureInfo.InvariantCulture);
            ctx.Response.Headers["X-RateLimit-Remaining"] = rate.Remaining.ToString(CultureInfo.InvariantCulture);
            ctx.Response.Headers["X-RateLimit-Reset"] = rate.Reset.ToString(CultureInfo.InvariantCulture);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !"application/json".Equals(mediaType.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            stats.Add(Stat.Invalid);
            await ErrorsAsync(ctx, StatusCodes.Status415UnsupportedMediaType, [new SendGridError("Content-Type should be application/json.", null, null)]);
            return;
        }

        var body = await ReadBodyAsync(ctx, options.MaxBodyBytes);
        if (body is null)
        {
            await TooLargeAsync(ctx, stats);
            return;
        }

        if (!Utf8.IsValid(body))
        {
            stats.Add(Stat.Invalid);
            await ErrorsAsync(ctx, StatusCodes.Status415UnsupportedMediaType, [new SendGridError("Invalid UTF8 in request", null, null)]);
            return;
        }

        var validation = MailValidator.Validate(body, NewMessageId(), clock.GetUtcNow());

        if (validation.Mail is not { } mail)
        {
            stats.Add(Stat.Invalid);
            await ErrorsAsync(ctx, StatusCodes.Status400BadRequest, validation.Errors);
            return;
        }

        if (validation.Sandbox)
        {
            stats.Add(Stat.Sandbox);
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentLength = 0;
            return;
        }

        store.Add(mail);
        dispatcher.Accepted(mail);
        stats.Add(Stat.Accepted);
        if (lateBy > 0)
        {
            // Accepted, answered late: a client that gives up first cannot know the mail went.
            await Task.Delay(TimeSpan.FromMilliseconds(lateBy), clock, aborted);
        }

        ctx.Response.StatusCode = StatusCodes.Status202Accepted;
        ctx.Response.Headers["X-Message-Id"] = mail.Id;
        ctx.Response.ContentLength = 0;
    }

    /// <summary>Like SendGrid's: 16 random bytes, base64url, 22 characters.</summary>
    public static string NewMessageId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The body (gunzipped when sent with Content-Encoding: gzip), or null when it is over the limit.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext ctx, long max)
    {
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var request = ctx.Request;
        var gzip = request.Headers.ContentEncoding.ToString().Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (request.ContentLength is long length && !gzip)
        {
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, ctx.RequestAborted);
            return exact;
        }

        await using var source = gzip ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await source.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            if (buffer.Length + n > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private static async Task TooLargeAsync(HttpContext ctx, SinkStats stats)
    {
        stats.Add(Stat.TooLarge);
        ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        ctx.Response.ContentType = "text/html";
        ctx.Response.ContentLength = TooLargeHtml.Length;
        await ctx.Response.Body.WriteAsync(TooLargeHtml, ctx.RequestAborted);
    }

    private static async Task TooManyAsync(HttpContext ctx, int limit, long reset)
    {
        ctx.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-RateLimit-Remaining"] = "0";
        ctx.Response.Headers["X-RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
        ctx.Response.ContentLength = TooManyRequests.Length;
        await ctx.Response.Body.WriteAsync(TooManyRequests, ctx.RequestAborted);
    }

    public static async Task ErrorsAsync(HttpContext ctx, int status, IReadOnlyList<SendGridError> errors)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { errors }, ErrorJson);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}

/// <summary>The API keys the sink accepts; none configured means any key.</summary>
public sealed class ApiKeys(MailSinkOptions options)
{
    private readonly HashSet<string> _keys = new(options.ApiKeySet(), StringComparer.Ordinal);

    public bool AcceptsAny => _keys.Count == 0;

    public bool Accepts(ReadOnlySpan<char> key) =>
        !key.IsEmpty && (_keys.Count == 0 || _keys.GetAlternateLookup<ReadOnlySpan<char>>().Contains(key));
}
