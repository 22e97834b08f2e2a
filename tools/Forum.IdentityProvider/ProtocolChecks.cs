using System.Collections.Concurrent;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Forum.IdentityProvider;

/// <summary>
/// What OpenIddict checks against its application store when it has one: in degraded mode (no database) those
/// handlers are off, and these take their place, against <see cref="ClientRegistry"/>. A request refused here is
/// answered by the provider itself (400 with the protocol's error), never redirected: its redirect_uri is not known
/// to be the client's.
/// </summary>
public static class ProtocolChecks
{
    public static void Register(OpenIddictServerBuilder server, ClientRegistry clients)
    {
        // Where OpenIddict checks the client against its store (ValidateClientRedirectUri, off in degraded mode).
        server.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateClientRedirectUri.Descriptor.Order + 500)
            .UseInlineHandler(context =>
            {
                var client = clients.Find(context.ClientId);
                if (client is null)
                {
                    context.Reject(Errors.InvalidRequest, "The specified 'client_id' is not a client of this provider.");
                }
                else if (!ClientRegistry.AllowsRedirect(client, context.RedirectUri))
                {
                    context.Reject(Errors.InvalidRequest, "The specified 'redirect_uri' is not registered for this client.");
                }

                return default;
            }));

        // The client first (before its code or refresh token is even read): an unknown or unauthenticated client is
        // told invalid_client, not that the grant is not its own.
        server.AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order - 500)
            .UseInlineHandler(context =>
            {
                var client = clients.Find(context.ClientId);
                if (client is null)
                {
                    context.Reject(Errors.InvalidClient, "The specified 'client_id' is not a client of this provider.");
                }
                else if (client.ClientSecret is { Length: > 0 })
                {
                    if (!ClientRegistry.SecretMatches(client, context.ClientSecret))
                    {
                        context.Reject(Errors.InvalidClient, "The client could not be authenticated.");
                    }
                }
                else if (!string.IsNullOrEmpty(context.ClientSecret))
                {
                    // As OpenIddict does for a public client of its store: a secret it never had is a mistake worth telling.
                    context.Reject(Errors.InvalidClient, "The 'client_secret' parameter is not valid for this client application.");
                }

                return default;
            }));

        // Last, after every other check (the client it was issued to, redirect_uri, code_verifier, lifetime): a code
        // that passed them all is spent now. Without a token store OpenIddict could not tell a second use from the first.
        var redeemed = new RedeemedCodes(TimeProvider.System);
        server.AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .SetOrder(int.MaxValue - 100_000)
            .UseInlineHandler(context =>
            {
                if (context.Request.IsAuthorizationCodeGrantType() &&
                    !redeemed.TryRedeem(context.AuthorizationCodePrincipal?.GetClaim(RedeemedCodes.CodeIdClaim), context.Options.AuthorizationCodeLifetime))
                {
                    context.Reject(Errors.InvalidGrant, "The authorization code has already been redeemed.");
                }

                return default;
            }));

        server.AddEventHandler<ValidateEndSessionRequestContext>(handler => handler.UseInlineHandler(context =>
        {
            if (string.IsNullOrEmpty(context.PostLogoutRedirectUri))
            {
                return default;
            }

            // client_id is optional in RP-initiated logout: without it, any client's registered URI will do.
            var allowed = string.IsNullOrEmpty(context.ClientId)
                ? clients.All.Any(c => ClientRegistry.AllowsPostLogoutRedirect(c, context.PostLogoutRedirectUri))
                : clients.Find(context.ClientId) is { } client && ClientRegistry.AllowsPostLogoutRedirect(client, context.PostLogoutRedirectUri);
            if (!allowed)
            {
                context.Reject(Errors.InvalidRequest, "The specified 'post_logout_redirect_uri' is not registered for this client.");
            }

            return default;
        }));
    }
}

/// <summary>
/// The authorization codes redeemed in this process, each forgotten once it has expired anyway. A restart forgets
/// them all: a code issued before it could then be redeemed a second time within its lifetime (5 minutes).
/// </summary>
public sealed class RedeemedCodes(TimeProvider time)
{
    /// <summary>A claim of the authorization code only (no destination): a new id per code, so that its redemption can be recorded.</summary>
    public const string CodeIdClaim = "forum_code_id";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _redeemed = new(StringComparer.Ordinal);

    /// <summary>False when the code was redeemed before (or carries no id).</summary>
    public bool TryRedeem(string? codeId, TimeSpan? lifetime)
    {
        if (string.IsNullOrEmpty(codeId))
        {
            return false;
        }

        var now = time.GetUtcNow();
        foreach (var (id, expires) in _redeemed)
        {
            if (expires < now)
            {
                _redeemed.TryRemove(id, out _);
            }
        }

        // Kept a minute past the code's own lifetime, for the clock skew its validation allows.
        return _redeemed.TryAdd(codeId, now + (lifetime ?? TimeSpan.FromMinutes(5)) + TimeSpan.FromMinutes(1));
    }
}
