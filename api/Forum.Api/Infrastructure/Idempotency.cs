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
    public async Task<IdempotentAnswer?> FindAsync(NpgsqlConnection connection, string scope, string key, byte[] requestHash, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT key, request_hash, status, answer FROM {table} WHERE scope = $1 AND key = $2", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = scope });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        var found = await ReadAsync(cmd, ct);
        return found.TryGetValue(key, out var answer) ? Check(answer, requestHash) : null;
    }

    /// <summary>The stored answers for any of these keys, read in the caller's transaction (check each with <see cref="Check"/>).</summary>
    public async Task<IReadOnlyDictionary<string, IdempotentAnswer>> FindManyAsync(StoreTransaction tx, string scope, IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return new Dictionary<string, IdempotentAnswer>();
        }

        await using var cmd = new NpgsqlCommand($"SELECT key, request_hash, status, answer FROM {table} WHERE scope = $1 AND key = ANY($2)", tx.Connection, tx.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = scope });
        cmd.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The answer, if it answered this very request; the same key with another request is refused.</summary>
    public static IdempotentAnswer Check(IdempotentAnswer answer, byte[] requestHash)
    {
        RequireSameRequest(answer.RequestHash, requestHash);
        return answer;
    }

    /// <summary>Two requests under one key must be the same request.</summary>
    public static void RequireSameRequest(byte[] first, byte[] retry)
    {
        if (!CryptographicOperations.FixedTimeEquals(first, retry))
        {
            throw ProblemException.Unprocessable("idempotency_key_reused", "This Idempotency-Key was used for another request; use a new key for a new request.");
        }
    }

    private static async Task<Dictionary<string, IdempotentAnswer>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var found = new Dictionary<string, IdempotentAnswer>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[reader.GetString(0)] = new IdempotentAnswer(reader.GetFieldValue<byte[]>(1), reader.GetInt32(2), reader.GetString(3));
        }

        return found;
    }

    /// <summary>The statement that keeps first answers, to run in the transaction that carried out their requests.</summary>
    public NpgsqlBatchCommand SaveCommand(string scope, IReadOnlyCollection<(string Key, IdempotentAnswer Answer)> answers)
    {
        var cmd = new NpgsqlBatchCommand(
            $"INSERT INTO {table} (scope, key, request_hash, status, answer, created_at) SELECT $1, k, h, s, a, $6 FROM unnest($2::text[], $3::bytea[], $4::int[], $5::text[]) AS x(k, h, s, a)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = scope });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Answer.RequestHash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Answer.Status).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Answer.Answer).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return cmd;
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
