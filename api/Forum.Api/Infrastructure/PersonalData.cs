using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Forum.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Api.Infrastructure;

/// <summary>
/// Personal data as it is kept in events, documents and stored answers: encrypted (AES-256-GCM) with a key of its
/// subject's own. Deleting the key erases the data everywhere it was copied, including old events and rebuilds.
/// </summary>
public sealed record Sealed(Guid Subject, string Data);

/// <summary>A subject's data key, while it is being used to seal new data in this process.</summary>
public sealed record SubjectKey(Guid Subject, byte[] Key);

/// <summary>
/// Keeps one data key per person (the subject), wrapped by the master key of the configuration, in PostgreSQL.
/// Nothing is cached across calls, so an erasure holds at once in every process.
/// </summary>
public sealed class PersonalDataVault
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();
    private readonly byte[] masterKey;
    private readonly NpgsqlDataSource dataSource;
    private readonly string table;

    public PersonalDataVault(NpgsqlDataSource dataSource, EventStore.EventStore store, IConfiguration configuration)
    {
        this.dataSource = dataSource;
        table = $"{Schema.Quote(store.SchemaName)}.personal_keys";
        var configured = configuration["PersonalData:MasterKey"]
            ?? throw new InvalidOperationException("PersonalData:MasterKey is not set (./forum run sets it from .forum/master.key).");
        masterKey = Convert.FromBase64String(configured);
        if (masterKey.Length != 32)
        {
            throw new InvalidOperationException("PersonalData:MasterKey must be 32 bytes, base64-encoded.");
        }
    }

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.personal_keys (
            subject     uuid        PRIMARY KEY,
            -- The data key, encrypted with the master key; NULL once erased.
            wrapped     bytea,
            created_at  timestamptz NOT NULL DEFAULT now(),
            erased_at   timestamptz
        );
        """,
    ];

    /// <summary>A fresh key for a new subject; it is stored by <see cref="SaveKeysAsync"/> in the transaction that uses it.</summary>
    public static SubjectKey NewKey(Guid subject) => new(subject, RandomNumberGenerator.GetBytes(32));

    /// <summary>A key derived from the master key for another purpose (hashing request bodies, say).</summary>
    public byte[] DeriveKey(string purpose) => HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: Encoding.UTF8.GetBytes(purpose));

    public static Sealed Seal<T>(SubjectKey key, T value) =>
        new(key.Subject, Convert.ToBase64String(Encrypt(key.Key, JsonSerializer.SerializeToUtf8Bytes(value, JsonOptions), key.Subject)));

    public async Task SaveKeysAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyCollection<SubjectKey> keys, CancellationToken ct)
    {
        if (keys.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, tx) { BatchCommands = { SaveKeysCommand(keys) } };
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The statement that stores new keys (wrapped), to run in a batch with the decision's other writes.</summary>
    public NpgsqlBatchCommand SaveKeysCommand(IReadOnlyCollection<SubjectKey> keys)
    {
        var cmd = new NpgsqlBatchCommand($"INSERT INTO {table} (subject, wrapped) SELECT * FROM unnest($1::uuid[], $2::bytea[])");
        cmd.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Subject).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => Encrypt(masterKey, k.Key, k.Subject)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        return cmd;
    }

    /// <summary>Deletes the subjects' keys: whatever was sealed for them can no longer be read, anywhere.</summary>
    public async Task EraseAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyCollection<Guid> subjects, CancellationToken ct)
    {
        if (subjects.Count == 0)
        {
            return;
        }

        await using var cmd = new NpgsqlCommand($"UPDATE {table} SET wrapped = NULL, erased_at = coalesce(erased_at, now()) WHERE subject = ANY($1)", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = subjects.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Fetches, in one query, the keys to open what is sealed for the given subjects.</summary>
    public async Task<OpenedData> OpenAsync(IEnumerable<Sealed?> sealedValues, CancellationToken ct, NpgsqlConnection? connection = null)
    {
        var subjects = sealedValues.OfType<Sealed>().Select(v => v.Subject).Distinct().ToArray();
        var keys = new Dictionary<Guid, byte[]>();
        if (subjects.Length > 0)
        {
            var sql = $"SELECT subject, wrapped FROM {table} WHERE subject = ANY($1) AND wrapped IS NOT NULL";
            await using var cmd = connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
            cmd.Parameters.Add(new NpgsqlParameter { Value = subjects, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var subject = reader.GetGuid(0);
                keys[subject] = Decrypt(masterKey, reader.GetFieldValue<byte[]>(1), subject);
            }
        }

        return new OpenedData(keys);
    }

    private static byte[] Encrypt(byte[] key, byte[] plaintext, Guid subject)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);

        // The subject is bound in as associated data: a sealed value moved to another subject does not open.
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), subject.ToByteArray());
        return output;
    }

    internal static byte[] Decrypt(byte[] key, byte[] sealedBytes, Guid subject)
    {
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plaintext, subject.ToByteArray());
        return plaintext;
    }

    /// <summary>The keys of one read: opens sealed values, or gives null for an erased subject.</summary>
    public sealed class OpenedData(IReadOnlyDictionary<Guid, byte[]> keys)
    {
        public T? Open<T>(Sealed? value)
            where T : class =>
            value is not null && keys.TryGetValue(value.Subject, out var key)
                ? JsonSerializer.Deserialize<T>(Decrypt(key, Convert.FromBase64String(value.Data), value.Subject), JsonOptions)
                : null;

        /// <summary>Seals a new value for a subject whose key this read fetched (null once the subject is erased).</summary>
        public Sealed? Seal<T>(Guid subject, T value) =>
            keys.TryGetValue(subject, out var key) ? PersonalDataVault.Seal(new SubjectKey(subject, key), value) : null;
    }
}
