using System.Net;

namespace Forum.Api.Infrastructure;

/// <summary>
/// Sends the server-to-server requests meant for the identity provider's public origin (its discovery document, keys,
/// token and userinfo endpoints) to another address, keeping their path: Keycloak's "backchannel hostname". For a
/// provider that browsers reach at one address and servers at another (compose's local provider: 127.0.0.1:8083 on the
/// host, <c>identity:8080</c> between containers). The issuer, and the <c>iss</c> of its tokens, stay the public ones;
/// requests to any other origin pass unchanged, and every request when no back-channel address is set.
/// </summary>
public sealed class BackchannelAddressHandler(Uri? issuer, Uri? backchannel) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (issuer is not null && backchannel is not null && request.RequestUri is { } uri && SameOrigin(uri, issuer))
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = backchannel.Scheme, Host = backchannel.Host, Port = backchannel.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>https, or http to this machine (a local identity provider in development and tests).</summary>
    public static bool IsHttpsOrLoopbackHttp(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && (url.IsLoopback || (IPAddress.TryParse(url.Host, out var ip) && IPAddress.IsLoopback(ip))));

    /// <summary>
    /// Why <paramref name="address"/> cannot be the back-channel of <paramref name="issuer"/>, or null: an origin only
    /// (the path is the request's), and https unless the issuer itself is http on loopback (development), so that a
    /// production issuer's keys and tokens never travel in clear between servers.
    /// </summary>
    public static string? Problem(string setting, Uri issuer, string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.UserInfo.Length > 0 || url.AbsolutePath != "/" || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            return $"{setting} must be an origin only, such as https://idp.internal:8443/ (no path): requests keep their own path.";
        }

        var developmentIssuer = issuer.Scheme == Uri.UriSchemeHttp && IsHttpsOrLoopbackHttp(issuer);
        return url.Scheme == Uri.UriSchemeHttps || developmentIssuer
            ? null
            : $"{setting} must be https (http only while the issuer itself is http on a loopback address, in development): {issuer} is not. Leave it empty when servers reach the issuer at its own address.";
    }
}
