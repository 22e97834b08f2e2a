using System.Security.Cryptography;
using System.Text;

namespace Forum.MailSink;

/// <summary>
/// Signs webhook posts as SendGrid's Signed Event Webhook does: ECDSA P-256 with SHA-256 over the timestamp (the
/// <c>X-Twilio-Email-Event-Webhook-Timestamp</c> header, Unix seconds) followed by the raw body, the DER signature in
/// base64 in <c>X-Twilio-Email-Event-Webhook-Signature</c>. The verification key is the base64 of the public key's
/// SubjectPublicKeyInfo (DER), as SendGrid's settings page shows it.
/// </summary>
public sealed class WebhookSigner : IDisposable
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private readonly ECDsa _key;
    private readonly Lock _lock = new();

    private WebhookSigner(ECDsa key)
    {
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
        {
            throw new InvalidOperationException("The webhook signing key must be an ECDSA key on P-256 (prime256v1), as SendGrid's.");
        }

        _key = key;
        PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The verification key: base64 SubjectPublicKeyInfo DER.</summary>
    public string PublicKey { get; }

    /// <summary>A new key, or the one in <paramref name="file"/> (PEM: PKCS#8 or SEC1 "EC PRIVATE KEY"; or base64 PKCS#8 DER).</summary>
    public static WebhookSigner Create(string? file)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return new WebhookSigner(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        }

        var text = File.ReadAllText(file);
        var key = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                key.ImportPkcs8PrivateKey(Convert.FromBase64String(text.Trim()), out _);
            }

            return new WebhookSigner(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public string Sign(string timestamp, ReadOnlySpan<byte> payload)
    {
        var data = new byte[Encoding.UTF8.GetByteCount(timestamp) + payload.Length];
        var n = Encoding.UTF8.GetBytes(timestamp, data);
        payload.CopyTo(data.AsSpan(n));
        lock (_lock)
        {
            return Convert.ToBase64String(_key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
    }

    public void Dispose() => _key.Dispose();
}
