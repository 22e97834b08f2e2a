using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Forum.IdentityProvider;

/// <summary>
/// The signing key (RSA 2048, RS256; published in the JWKS) and the encryption key (256 bits: OpenIddict encrypts
/// its authorization codes and refresh tokens with it, since in degraded mode they are self-contained). Kept in
/// <see cref="IdentityProviderOptions.KeysPath"/> when set, so that tokens and the published key survive restarts.
/// </summary>
public sealed class ProviderKeys
{
    public const string SigningFile = "signing.pem";
    public const string EncryptionFile = "encryption.key";

    private ProviderKeys(RsaSecurityKey signing, SymmetricSecurityKey encryption, bool persisted)
    {
        Signing = signing;
        Encryption = encryption;
        Persisted = persisted;
    }

    public RsaSecurityKey Signing { get; }

    public SymmetricSecurityKey Encryption { get; }

    public bool Persisted { get; }

    public static ProviderKeys Load(string? keysPath)
    {
        if (string.IsNullOrWhiteSpace(keysPath))
        {
            var rsa = RSA.Create(2048);
            return new ProviderKeys(SigningKey(rsa), new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), persisted: false);
        }

        PrivateFile.CreateFolder(keysPath);
        var (pem, _) = PrivateFile.ReadOrCreate(Path.Combine(keysPath, SigningFile), () =>
        {
            using var fresh = RSA.Create(2048);
            return Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem() + "\n");
        });
        var signing = RSA.Create();
        signing.ImportFromPem(Encoding.ASCII.GetString(pem));
        if (signing.KeySize < 2048)
        {
            throw new InvalidOperationException($"{Path.Combine(keysPath, SigningFile)} holds a {signing.KeySize}-bit RSA key; at least 2048 bits are needed.");
        }

        var (encoded, _) = PrivateFile.ReadOrCreate(Path.Combine(keysPath, EncryptionFile),
            () => Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n"));
        byte[] encryption;
        try
        {
            encryption = Convert.FromBase64String(Encoding.ASCII.GetString(encoded).Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{Path.Combine(keysPath, EncryptionFile)} is not base64.");
        }

        if (encryption.Length != 32)
        {
            throw new InvalidOperationException($"{Path.Combine(keysPath, EncryptionFile)} holds {encryption.Length * 8} bits; 256 are needed.");
        }

        return new ProviderKeys(SigningKey(signing), new SymmetricSecurityKey(encryption), persisted: true);
    }

    /// <summary>
    /// The key id is the key's RFC 7638 thumbprint: the same key gets the same id at every start (a relying party
    /// that cached the JWKS keeps verifying), and a new key a new one (it knows to fetch the JWKS again).
    /// </summary>
    private static RsaSecurityKey SigningKey(RSA rsa)
    {
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }
}
