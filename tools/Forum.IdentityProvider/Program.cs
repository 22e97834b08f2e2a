using Forum.IdentityProvider;

// The local OpenID Connect provider: see IdentityProviderHost and README.md beside this file.
await using var app = IdentityProviderHost.Build(args);
await app.RunAsync();
