using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Api.Notifications;

/// <summary>
/// SendGrid's signed Event Webhook: the signature (ECDSA P-256 with SHA-256 over the timestamp followed by the raw
/// body, checked with the configured public key) and the timestamp (at most 5 minutes old) are verified first; each
/// event is recorded once (by sg_event_id) against its message; a bounce, a drop or a spam report makes the address
/// undeliverable, so that nothing more is sent to it. Addresses are kept only as a keyed hash, never in clear.
/// </summary>
public sealed class SendGridWebhook(NpgsqlDataSource dataSource, EventStore.EventStore store, PersonalDataVault vault, IOptions<SendGridOptions> options, TimeProvider time)
    : Delegations.IMailDeliverability
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private static readonly HashSet<string> Undeliverable = new(StringComparer.Ordinal) { "bounce", "dropped", "spamreport" };

    private readonly string s = EventStore.Schema.Quote(store.SchemaName);
    private readonly byte[] addressKey = vault.DeriveKey("forum mail address");

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.mail_events (
            sg_event_id         text        PRIMARY KEY,
            message_id          uuid,
            provider_message_id text,
            event               text        NOT NULL,
            address_hash        text,
            occurred_at         timestamptz,
            reason              text,
            received_at         timestamptz NOT NULL
        );
        CREATE INDEX mail_events_message ON {s}.mail_events (message_id);
        CREATE TABLE {s}.undeliverable_addresses (
            address_hash  text        PRIMARY KEY,
            event         text        NOT NULL,
            reason        text,
            since         timestamptz NOT NULL
        );
        """,
    ];

    /// <summary>A keyed hash of an address (trimmed, lower-case): the same address always gives the same hash, and the hash gives no address back.</summary>
    public string AddressHash(string email) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(addressKey, Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));

    /// <summary>Null when the call is genuine and fresh; otherwise the problem to answer.</summary>
    public ProblemException? Verify(string? signature, string? timestamp, byte[] body)
    {
        if (string.IsNullOrEmpty(options.Value.WebhookPublicKey))
        {
            return new ProblemException(StatusCodes.Status503ServiceUnavailable, "webhook_not_configured", "Not configured", "No webhook verification key is configured (SendGrid:WebhookPublicKey).");
        }

        if (string.IsNullOrEmpty(signature) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Refused("invalid_signature", "The call is not signed as SendGrid signs its events.");
        }

        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > MaxAge || age < -MaxAge)
        {
            return Refused("stale_timestamp", "The signed timestamp is more than 5 minutes away from now: a replayed or delayed call.");
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(options.Value.WebhookPublicKey), out _);
            var signed = Encoding.UTF8.GetBytes(timestamp!).Concat(body).ToArray();
            return key.VerifyData(signed, Convert.FromBase64String(signature), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                ? null
                : Refused("invalid_signature", "The signature does not match the body and timestamp.");
        }
        catch (FormatException)
        {
            return Refused("invalid_signature", "The signature is not base64.");
        }
    }

    private static ProblemException Refused(string code, string detail) => new(StatusCodes.Status403Forbidden, code, "Forbidden", detail);

    /// <summary>Records the events (each once) and the addresses they make undeliverable; returns how many were new.</summary>
    public async Task<int> RecordAsync(byte[] body, CancellationToken ct)
    {
        List<JsonElement> events;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException();
            }

            events = json.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        }
        catch (JsonException)
        {
            throw new ProblemException(StatusCodes.Status400BadRequest, "invalid_json", "Malformed JSON", "SendGrid posts a JSON array of events.");
        }

        static string? Text(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var rows = events
            .Select(e => (Id: Text(e, "sg_event_id"), Event: Text(e, "event"), Email: Text(e, "email"), Message: Text(e, "forum_message_id"),
                Provider: Text(e, "sg_message_id")?.Split('.')[0], Reason: Text(e, "reason") ?? Text(e, "response"),
                At: e.ValueKind == JsonValueKind.Object && e.TryGetProperty("timestamp", out var t) && t.TryGetInt64(out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix) : (DateTimeOffset?)null))
            .Where(r => r.Id is not null && r.Event is not null)
            .ToList();
        if (rows.Count == 0)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var insert = new NpgsqlCommand(
            $"""
            WITH e AS (
                INSERT INTO {s}.mail_events (sg_event_id, message_id, provider_message_id, event, address_hash, occurred_at, reason, received_at)
                SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[])
                ON CONFLICT (sg_event_id) DO NOTHING
                RETURNING event, address_hash, reason, occurred_at),
            u AS (
                INSERT INTO {s}.undeliverable_addresses (address_hash, event, reason, since)
                SELECT DISTINCT ON (address_hash) address_hash, event, reason, coalesce(occurred_at, $9) FROM e
                WHERE event = ANY($10) AND address_hash IS NOT NULL
                ON CONFLICT (address_hash) DO NOTHING)
            SELECT count(*) FROM e
            """, connection, tx);
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Id!).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => Guid.TryParse(r.Message, out var g) ? (object)g : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => (object?)r.Provider ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Event!).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Email is null ? DBNull.Value : (object)AddressHash(r.Email)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => (object?)r.At ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => (object?)r.Reason ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(_ => now).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = Undeliverable.ToArray() });
        var recorded = (long)(await insert.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return (int)recorded;
    }

    /// <summary>Which of these addresses bounced, were dropped or reported spam (by their hashes).</summary>
    public async Task<IReadOnlySet<string>> UndeliverableAsync(IEnumerable<string> emails, CancellationToken ct)
    {
        var hashes = emails.Select(AddressHash).Distinct().ToArray();
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (hashes.Length == 0)
        {
            return found;
        }

        await using var cmd = dataSource.CreateCommand($"SELECT address_hash FROM {s}.undeliverable_addresses WHERE address_hash = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = hashes });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    public async Task<IReadOnlySet<string>> UndeliverableAddressesAsync(IReadOnlyCollection<string> emails, CancellationToken ct)
    {
        var hashes = await UndeliverableAsync(emails, ct);
        return emails.Where(e => hashes.Contains(AddressHash(e))).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The events recorded against a message, in the order they happened.</summary>

    public async Task<IReadOnlyList<string>> EventsOfAsync(Guid messageId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT event FROM {s}.mail_events WHERE message_id = $1 ORDER BY occurred_at, received_at");
        cmd.Parameters.Add(new NpgsqlParameter { Value = messageId });
        var events = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(reader.GetString(0));
        }

        return events;
    }
}
