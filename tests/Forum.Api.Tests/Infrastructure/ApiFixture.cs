using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>The API in process, on the real PostgreSQL, in a schema of its own; tests use fresh slugs for fresh data.</summary>
public class ApiFixture : WebApplicationFactory<Program>
{
    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public string MasterKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Schema { get; } = "api_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The key the tests sign SendGrid's webhook calls with (the API is given its public half).</summary>
    public ECDsa WebhookKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static JsonSerializerOptions JsonOptions { get; } = Json.CreateOptions();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var db = Environment.GetEnvironmentVariable("FORUM_TEST_DB")
            ?? throw new InvalidOperationException("FORUM_TEST_DB is not set: run the tests with ./forum test, which starts PostgreSQL.");
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Forum", db);
        builder.UseSetting("EventStore:Schema", Schema);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        builder.UseSetting("PersonalData:MasterKey", MasterKey);
        builder.UseSetting("SendGrid:WebhookPublicKey", Convert.ToBase64String(WebhookKey.ExportSubjectPublicKeyInfo()));
    }

    public string Token(string role, TimeSpan? lifetime = null, string? key = null) =>
        StaffTokenHandler.Issue(key ?? SigningKey, $"test-{role}", role, DateTimeOffset.UtcNow, lifetime ?? TimeSpan.FromHours(1));

    public HttpClient Anonymous() => CreateClient();

    public HttpClient As(string role)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role));
        return client;
    }

    public HttpClient Organiser() => As(Roles.Organiser);

    public static string NewSlug(string prefix = "conf") => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}

public static class HttpAssertions
{
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    public static async Task<JsonElement> OkJsonAsync(this HttpResponseMessage response, int status = 200)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object? body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body, options: ApiFixture.JsonOptions) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
}
