using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using Npgsql;

namespace Forum.Api.Venues;

/// <summary>A conference's badge-signing key as a JWK (RFC 7517): what offline scanners verify badge codes with.</summary>
public sealed record JsonWebKey(string Kty, string Crv, string X, string Y, string Kid, string Alg, string Use);

/// <summary>A conference's key pair in memory: the public half for verifying, the private half (opened) for signing.</summary>
public sealed class ConferenceKey(string conferenceSlug, ECParameters privateParameters) : IDisposable
{
    // Importing a key costs about as much as a verification: each thread keeps its own instance (ECDsa objects are
    // not documented as safe to share between threads, and a verification runs on one thread from start to end).
    private readonly ThreadLocal<ECDsa> verifiers = new(() => ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = privateParameters.Q }));

    public string ConferenceSlug { get; } = conferenceSlug;

    public ECParameters PublicParameters { get; } = new() { Curve = ECCurve.NamedCurves.nistP256, Q = privateParameters.Q };

    /// <summary>The RFC 7638 thumbprint of the public key.</summary>
    public string KeyId { get; } = Thumbprint(privateParameters.Q);

    public JsonWebKey Jwk => new("EC", "P-256", Base64Url.EncodeToString(PublicParameters.Q.X), Base64Url.EncodeToString(PublicParameters.Q.Y), KeyId, "ES256", "sig");

    public byte[] Sign(byte[] payload)
    {
        using var ecdsa = ECDsa.Create(privateParameters);
        return ecdsa.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public bool Verify(byte[] payload, byte[] signature) =>
        verifiers.Value!.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => verifiers.Dispose();

    private static string Thumbprint(ECPoint q)
    {
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(q.X)}\",\"y\":\"{Base64Url.EncodeToString(q.Y)}\"}}";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}

/// <summary>
/// One ECDSA P-256 key per conference, made on first need and kept in <c>badge_signing_keys</c>: the public key in
/// clear, the private key encrypted (AES-256-GCM, bound to the conference) with a key derived from the master key.
/// Two processes making a conference's first key race safely: the first insert wins and both use what was stored.
/// Keys never change, so they are kept in memory once read.
/// </summary>
public sealed class BadgeSigningKeys : IDisposable
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly NpgsqlDataSource dataSource;
    private readonly string table;
    private readonly byte[] wrappingKey;
    private readonly ConcurrentDictionary<string, ConferenceKey> keys = new(StringComparer.Ordinal);

    public BadgeSigningKeys(NpgsqlDataSource dataSource, EventStore.EventStore store, PersonalDataVault vault)
    {
        this.dataSource = dataSource;
        table = $"{Schema.Quote(store.SchemaName)}.badge_signing_keys";
        wrappingKey = vault.DeriveKey("forum badge signing key");
    }

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.badge_signing_keys (
            conference   text        PRIMARY KEY,
            -- The uncompressed public point (x, y) of the P-256 key.
            public_x     bytea       NOT NULL,
            public_y     bytea       NOT NULL,
            -- The private scalar, AES-256-GCM (nonce, ciphertext, tag) under a key derived from the master key.
            wrapped_d    bytea       NOT NULL,
            created_at   timestamptz NOT NULL DEFAULT now()
        );
        """,
    ];

    /// <summary>The conference's key, made now if it has none (badges and the published public key need one).</summary>
    public async Task<ConferenceKey> GetOrCreateAsync(string slug, CancellationToken ct)
    {
        if (await FindAsync(slug, ct) is { } known)
        {
            return known;
        }

        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
        await using (var insert = dataSource.CreateCommand($"INSERT INTO {table} (conference, public_x, public_y, wrapped_d) VALUES ($1, $2, $3, $4) ON CONFLICT (conference) DO NOTHING"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = slug });
            insert.Parameters.Add(new NpgsqlParameter { Value = parameters.Q.X! });
            insert.Parameters.Add(new NpgsqlParameter { Value = parameters.Q.Y! });
            insert.Parameters.Add(new NpgsqlParameter { Value = Wrap(parameters.D!, slug) });
            await insert.ExecuteNonQueryAsync(ct);
        }

        // Whoever inserted first, this is the key from now on.
        return await FindAsync(slug, ct) ?? throw new InvalidOperationException($"The badge-signing key of '{slug}' was not stored.");
    }

    /// <summary>The conference's key, or null when it never had one (then no badge of it exists).</summary>
    public async Task<ConferenceKey?> FindAsync(string slug, CancellationToken ct)
    {
        if (keys.TryGetValue(slug, out var cached))
        {
            return cached;
        }

        await using var cmd = dataSource.CreateCommand($"SELECT public_x, public_y, wrapped_d FROM {table} WHERE conference = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = slug });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var key = new ConferenceKey(slug, new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = reader.GetFieldValue<byte[]>(0), Y = reader.GetFieldValue<byte[]>(1) },
            D = Unwrap(reader.GetFieldValue<byte[]>(2), slug),
        });
        var kept = keys.GetOrAdd(slug, key);
        if (!ReferenceEquals(kept, key))
        {
            key.Dispose();
        }

        return kept;
    }

    public void Dispose()
    {
        foreach (var key in keys.Values)
        {
            key.Dispose();
        }
    }

    private byte[] Wrap(byte[] secret, string slug)
    {
        var output = new byte[NonceSize + secret.Length + TagSize];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var aes = new AesGcm(wrappingKey, TagSize);

        // The conference is bound in: a wrapped key copied to another conference's row does not open.
        aes.Encrypt(output.AsSpan(0, NonceSize), secret, output.AsSpan(NonceSize, secret.Length), output.AsSpan(NonceSize + secret.Length), Encoding.UTF8.GetBytes(slug));
        return output;
    }

    private byte[] Unwrap(byte[] wrapped, string slug)
    {
        var length = wrapped.Length - NonceSize - TagSize;
        var secret = new byte[length];
        using var aes = new AesGcm(wrappingKey, TagSize);
        aes.Decrypt(wrapped.AsSpan(0, NonceSize), wrapped.AsSpan(NonceSize, length), wrapped.AsSpan(NonceSize + length), secret, Encoding.UTF8.GetBytes(slug));
        return secret;
    }
}
