extern alias web;

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Forum.Web.Tests.Infrastructure;

/// <summary>The API on a real Kestrel port, on the test PostgreSQL, in a schema of its own.</summary>
public sealed class ApiServer : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string> settings;

    private readonly Action<IWebHostBuilder>? configure;

    /// <param name="settings">More settings (the staff tests' identity provider, Auth:Oidc:*).</param>
    /// <param name="configure">More set-up of the host (the tracing test's exporter).</param>
    public ApiServer(IReadOnlyDictionary<string, string>? settings = null, Action<IWebHostBuilder>? configure = null)
    {
        this.settings = settings ?? new Dictionary<string, string>();
        this.configure = configure;
        Port = Ports.Free();
        UseKestrel(Port);
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var db = Environment.GetEnvironmentVariable("FORUM_TEST_DB")
            ?? throw new InvalidOperationException("FORUM_TEST_DB is not set: run the tests with ./forum test, which starts PostgreSQL.");
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Forum", db);
        builder.UseSetting("EventStore:Schema", "web_" + Guid.NewGuid().ToString("N")[..16]);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        builder.UseSetting("PersonalData:MasterKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        using var webhook = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        builder.UseSetting("SendGrid:WebhookPublicKey", Convert.ToBase64String(webhook.ExportSubjectPublicKeyInfo()));
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        configure?.Invoke(builder);
    }
}

/// <summary>The web client on a real Kestrel port, talking to <see cref="ApiServer"/> over HTTP only.</summary>
/// <param name="configure">More set-up of the host (the tracing test's exporter).</param>
public sealed class WebServer(Uri api, string? keysPath = null, Action<IWebHostBuilder>? configure = null) : WebApplicationFactory<web::Program>
{
    public int Port { get; } = Ports.Free();

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public void Start()
    {
        UseKestrel(Port);
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ForumApi:BaseUrl", api.ToString());
        if (keysPath is not null)
        {
            builder.UseSetting("DataProtection:KeysPath", keysPath);
        }

        configure?.Invoke(builder);
    }
}

public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
