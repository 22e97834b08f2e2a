using System.Security.Cryptography;
using System.Text.Json;
using Forum.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Api.Infrastructure;

/// <summary>A first answer kept under its Idempotency-Key: the request's keyed hash, the status and the answer as the feature stored it.</summary>
public sealed record IdempotentAnswer(byte[] RequestHash, int Status, string Answer);

/// <summary>
/// Idempotency-Key (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): a retry with the same key and body
/// gets the first answer again; the same key with another body is refused. The caller saves the answer in the
/// transaction that carries out the request, so a key is either unused or answered, never half done.
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource dataSource, EventStore.EventStore store, PersonalDataVault vault, TimeProvider time)
{
    /// <summary>Keys are kept at least 24 hours (the draft's advice); they are removed after twice that.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(48);

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.idempotency_keys (
            scope         text        NOT NULL,
            key           text        NOT NULL,
            request_hash  bytea       NOT NULL,
            status        integer     NOT NULL,
            answer        text        NOT NULL,
            created_at    timestamptz NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotency_keys_created ON {s}.idempotency_keys (created_at);
        """,
    ];

    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();

    private readonly string table = $"{Schema.Quote(store.SchemaName)}.idempotency_keys";

    // Keyed, so that a stored hash of a body with e-mail addresses in it cannot be tested against guesses.
    private readonly byte[] hashKey = vault.DeriveKey("forum idempotency request hash");

    /// <summary>The key a request carries (a structured-field string, quotes optional), null without the header.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        if (!request.Headers.TryGetValue("Idempotency-Key", out var values))
        {
            return null;
        }

        var key = values.ToString().Trim();
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }

        if (key.Length is 0 or > 255 || values.Count > 1 || key.Any(c => c < 0x20 || c > 0x7e))
        {
            throw new ProblemException(StatusCodes.Status400BadRequest, "invalid_idempotency_key", "Invalid Idempotency-Key",
                "The Idempotency-Key header holds one string of 1 to 255 visible ASCII characters.");
        }

        return key;
    }

    /// <summary>Hashes the request as bound (so that the same JSON written differently is the same request).</summary>
    public byte[] HashRequest<T>(T request) => HMACSHA256.HashData(hashKey, JsonSerializer.SerializeToUtf8Bytes(request, JsonOptions));

    /// <summary>The stored answer for this key, if any; the same key with another request is refused.</summary>
    public async Task<IdempotentAnswer?> FindAsync(string scope, string key, byte[] requestHash, StoreTransaction? tx, CancellationToken ct)
    {
        await using var cmd = tx is null
            ? dataSource.CreateCommand($"SELECT request_hash, status, answer FROM {table} WHERE scope = $1 AND key = $2")
            : new NpgsqlCommand($"SELECT request_hash, status, answer FROM {table} WHERE scope = $1 AND key = $2", tx.Connection, tx.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = scope });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var found = new IdempotentAnswer(reader.GetFieldValue<byte[]>(0), reader.GetInt32(1), reader.GetString(2));
        if (!CryptographicOperations.FixedTimeEquals(found.RequestHash, requestHash))
        {
            throw ProblemException.Unprocessable("idempotency_key_reused", "This Idempotency-Key was used for another request; use a new key for a new request.");
        }

        return found;
    }

    public async Task SaveAsync(StoreTransaction tx, string scope, string key, IdempotentAnswer answer, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"INSERT INTO {table} (scope, key, request_hash, status, answer, created_at) VALUES ($1, $2, $3, $4, $5, $6)", tx.Connection, tx.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = scope });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answer.RequestHash, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answer.Status });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answer.Answer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"DELETE FROM {table} WHERE created_at < $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() - Retention, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Removes expired keys every hour; several processes doing it at once is harmless.</summary>
public sealed class IdempotencyKeyCleanup(IdempotencyKeys keys, TimeProvider time, ILogger<IdempotencyKeyCleanup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await keys.DeleteExpiredAsync(stoppingToken);
            }
            catch (NpgsqlException e)
            {
                logger.LogWarning(e, "Expired idempotency keys could not be removed; trying again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
