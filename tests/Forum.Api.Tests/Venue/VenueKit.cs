using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;

namespace Forum.Api.Tests.Venues;

/// <summary>What a badge code says, as the test reads it on its own (not with the server's code).</summary>
public sealed record DecodedBadge(int Version, Guid DelegationId, Guid MemberId, uint Serial, string ConferenceSlug);

/// <summary>A conference with accredited delegations, and the calls badge and check-in tests make.</summary>
public sealed class VenueKit
{
    private VenueKit(DelegationKit delegations) => Delegations = delegations;

    public DelegationKit Delegations { get; }

    public string Slug => Delegations.Slug;

    public HttpClient Protocol => Delegations.Protocol;

    public HttpClient Organiser => Delegations.Organiser;

    public HttpClient Anonymous => Delegations.Anonymous;

    public static async Task<VenueKit> CreateAsync(ApiFixture api, int capacity = 300, int delegationQuota = 4) =>
        new(await DelegationKit.CreateAsync(api, capacity, delegationQuota));

    public static string BadgeUrl(Guid delegationId, Guid memberId, string path = "") => DelegationKit.DelegationUrl(delegationId, $"/members/{memberId}/badge{path}");

    /// <summary>Registers a delegation and accredits every member (protocol).</summary>
    public async Task<Registered> AccreditedAsync(object registration)
    {
        var delegation = await Delegations.RegisterAsync(registration);
        foreach (var member in delegation.Body.GetProperty("members").EnumerateArray())
        {
            await ApproveAsync(delegation.Id, member.GetProperty("id").GetGuid());
        }

        return delegation;
    }

    public async Task ApproveAsync(Guid delegationId, Guid memberId) =>
        await (await Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegationId, $"/members/{memberId}/accreditation"), new { decision = "approve" })).OkJsonAsync();

    /// <summary>The badge as JSON (its code, serial and what it shows).</summary>
    public async Task<JsonElement> BadgeAsync(Guid delegationId, Guid memberId, HttpClient? via = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, BadgeUrl(delegationId, memberId));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await (await (via ?? Protocol).SendAsync(request)).OkJsonAsync();
    }

    public async Task<string> CodeAsync(Guid delegationId, Guid memberId) => (await BadgeAsync(delegationId, memberId)).GetProperty("code").GetString()!;

    public async Task<JsonElement> KeyAsync() => await (await Anonymous.GetAsync(Delegations.Url("/check-in/key"))).OkJsonAsync();

    public Task<HttpResponseMessage> CheckInRawAsync(string code, string? scanId = null, string? gate = null, string? scannedAt = null, string? slug = null) =>
        Protocol.PostJsonAsync($"/api/conferences/{slug ?? Slug}/check-in", new { code, scanId, gate, scannedAt });

    public async Task<JsonElement> CheckInAsync(string code, string? scanId = null, string? gate = null, string? scannedAt = null) =>
        await (await CheckInRawAsync(code, scanId, gate, scannedAt)).OkJsonAsync();

    public async Task<JsonElement> SummaryAsync() => await (await Protocol.GetAsync(Delegations.Url("/check-in/summary"))).OkJsonAsync();

    /// <summary>
    /// Verifies a badge code with nothing but the published JWK and the platform's ECDSA: the key imported from its x
    /// and y, the signature (IEEE P1363 r‖s) over the payload bytes with SHA-256, as any ES256 verifier does.
    /// </summary>
    public static bool VerifyWithJwk(JsonElement jwk, string code)
    {
        Assert.Equal("EC", jwk.GetProperty("kty").GetString());
        Assert.Equal("P-256", jwk.GetProperty("crv").GetString());
        Assert.Equal("ES256", jwk.GetProperty("alg").GetString());
        var parts = code.Split('.');
        if (parts.Length != 2)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = FromBase64Url(jwk.GetProperty("x").GetString()!), Y = FromBase64Url(jwk.GetProperty("y").GetString()!) },
        });
        try
        {
            return ecdsa.VerifyData(FromBase64Url(parts[0]), FromBase64Url(parts[1]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The payload as the README documents it: version, delegation id, member id (RFC 4122 byte order), serial (big-endian), slug.</summary>
    public static DecodedBadge Decode(string code)
    {
        var payload = FromBase64Url(code.Split('.')[0]);
        return new DecodedBadge(
            payload[0],
            new Guid(payload.AsSpan(1, 16), bigEndian: true),
            new Guid(payload.AsSpan(17, 16), bigEndian: true),
            BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(33, 4)),
            Encoding.UTF8.GetString(payload, 37, payload.Length - 37));
    }

    /// <summary>A code of the same shape signed with a key the server never saw.</summary>
    public static string Forge(string genuine)
    {
        var payload = FromBase64Url(genuine.Split('.')[0]);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ToBase64Url(payload) + "." + ToBase64Url(ecdsa.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    /// <summary>The genuine signature over a payload with one byte of the serial changed.</summary>
    public static string AlterSerial(string genuine)
    {
        var parts = genuine.Split('.');
        var payload = FromBase64Url(parts[0]);
        payload[36] ^= 0x02;
        return ToBase64Url(payload) + "." + parts[1];
    }

    public static byte[] FromBase64Url(string text) => Base64Url.DecodeFromChars(text);

    public static string ToBase64Url(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
