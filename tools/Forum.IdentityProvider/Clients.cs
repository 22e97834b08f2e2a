using System.Security.Cryptography;
using System.Text;

namespace Forum.IdentityProvider;

/// <summary>
/// The client applications from configuration. OpenIddict's degraded mode has no application store, so the protocol
/// handlers (<see cref="ProtocolChecks"/>) ask this instead.
/// </summary>
public sealed class ClientRegistry
{
    private readonly Dictionary<string, ClientOptions> _clients;

    public ClientRegistry(IReadOnlyList<ClientOptions> clients)
    {
        _clients = new Dictionary<string, ClientOptions>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                throw new InvalidOperationException("IdentityProvider:Clients: every client needs a ClientId.");
            }

            foreach (var uri in client.RedirectUris.Concat(client.PostLogoutRedirectUris))
            {
                if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.Fragment))
                {
                    throw new InvalidOperationException($"IdentityProvider:Clients: {client.ClientId}'s {uri} is not an absolute URI without a fragment.");
                }
            }

            if (!_clients.TryAdd(client.ClientId, client))
            {
                throw new InvalidOperationException($"IdentityProvider:Clients: {client.ClientId} is given twice.");
            }
        }
    }

    public IReadOnlyCollection<ClientOptions> All => _clients.Values;

    public ClientOptions? Find(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    public static bool AllowsRedirect(ClientOptions client, string? uri) =>
        uri is not null && client.RedirectUris.Contains(uri, StringComparer.Ordinal);

    public static bool AllowsPostLogoutRedirect(ClientOptions client, string? uri) =>
        uri is not null && client.PostLogoutRedirectUris.Contains(uri, StringComparer.Ordinal);

    /// <summary>A confidential client's secret, compared in constant time (over hashes, so the lengths tell nothing).</summary>
    public static bool SecretMatches(ClientOptions client, string? secret) =>
        client.ClientSecret is { Length: > 0 } expected && secret is not null &&
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
