using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forum.Api.Delegations;
using Forum.Api.Demo;
using Forum.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>The API on a schema of its own with the demo seeded: the explorer's examples change the demo as they run.</summary>
public sealed class DocsDemoFixture : ApiFixture
{
    private Task? seeded;

    public Task SeededAsync() => seeded ??= Services.GetRequiredService<DemoSeeder>().SeedAsync();
}

public sealed class ApiDocsExamplesTests(DocsDemoFixture api) : IClassFixture<DocsDemoFixture>
{
    [Fact]
    public async Task Every_operation_with_a_request_body_has_an_example_valid_against_its_own_request_schema()
    {
        var document = await DocumentAsync();
        var operations = BodyOperations(document).ToList();
        Assert.NotEmpty(operations);
        Assert.DoesNotContain(operations, o => Media(document, o)["example"] is null);
        // No placeholder is left once the demo is seeded.
        Assert.DoesNotContain("{{", document.ToJsonString(), StringComparison.Ordinal);

        // Every path parameter too, but secret tokens, a dead mail's id and a draft's (the draft the example makes).
        var drafts = new[] { "put /api/declarations/{id}", "post /api/declarations/{id}/adopt", "post /api/declarations/{id}/open-for-signature", "get /api/declarations/{id}/changes", "post /api/conferences/{slug}/mail/{id}/retry" };
        var bare = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => o.Value is JsonObject op && op["responses"] is not null).Select(o => (Operation: $"{o.Key} {path.Key}", Node: o.Value!)))
            .SelectMany(o => (o.Node["parameters"]?.AsArray() ?? []).Where(p => (string?)p!["in"] == "path" && p["example"] is null).Select(p => $"{o.Operation}: {p!["name"]}"))
            .Where(p => !p.EndsWith(": token", StringComparison.Ordinal) && !drafts.Any(d => p.StartsWith(d + ":", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(bare);

        var failures = (await AjvAsync(document, operations))["failures"]!.AsArray();
        Assert.True(failures.Count == 0, $"Examples that do not fit their request schema: {failures}");
    }

    [Fact]
    public async Task The_examples_work_against_the_demo_in_the_order_organisers_protocol_and_focal_points_use_them()
    {
        var document = await DocumentAsync();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var organiser = api.Organiser();
        var protocol = api.As(Roles.Protocol);

        async Task<JsonNode> Run(HttpClient client, string method, string path, int status = 200, Dictionary<string, string>? ids = null)
        {
            var operation = $"{method} {path}";
            var url = path;
            foreach (var parameter in Operation(document, operation)["parameters"]?.AsArray() ?? [])
            {
                if ((string?)parameter!["in"] == "path")
                {
                    var name = (string)parameter["name"]!;
                    var value = ids?.GetValueOrDefault(name) ?? (string?)parameter["example"] ?? throw new InvalidOperationException($"{operation}: no example for {name}");
                    url = url.Replace($"{{{name}}}", value, StringComparison.Ordinal);
                }
                else if ((bool?)parameter["required"] == true)
                {
                    url += $"{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{parameter["name"]}={parameter["example"]}";
                }
            }

            var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
            if (Operation(document, operation)["requestBody"] is not null)
            {
                request.Content = new StringContent(Media(document, operation)["example"]!.ToJsonString(), Encoding.UTF8, "application/json");
                done.Add(operation);
            }

            var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{operation} ({url}) answered {(int)response.StatusCode}, not {status}: {body}");
            return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
        }

        // The organiser: a series and an edition of its own, a room and a session in the demo's launch, a session moved,
        // the agenda published, the tour de table fixed, a declaration drafted, redrafted, adopted and opened at the
        // ceremony, the Commission's signature and its withdrawal, a company's report, the new edition cancelled.
        await Run(organiser, "post", "/api/series", 201);
        await Run(organiser, "post", "/api/conferences", 201);
        await Run(organiser, "post", "/api/conferences/{slug}/rooms", 201);
        await Run(organiser, "post", "/api/conferences/{slug}/sessions", 201);
        await Run(organiser, "put", "/api/conferences/{slug}/sessions/{id}");
        await Run(organiser, "post", "/api/conferences/{slug}/agenda/publish");
        await Run(organiser, "put", "/api/conferences/{slug}/sessions/{id}/speaking-order");
        var draft = new Dictionary<string, string> { ["id"] = (string)(await Run(organiser, "post", "/api/conferences/{slug}/declarations", 201))["id"]! };
        await Run(organiser, "put", "/api/declarations/{id}", ids: draft);
        await Run(organiser, "post", "/api/declarations/{id}/adopt", ids: draft);
        await Run(organiser, "post", "/api/declarations/{id}/open-for-signature", ids: draft);
        await Run(organiser, "post", "/api/declarations/{id}/signatures");
        await Run(organiser, "post", "/api/declarations/{id}/signatures/{delegationId}/withdraw");
        await Run(organiser, "post", "/api/declarations/{id}/reports");
        await Run(organiser, "post", "/api/conferences/{slug}/cancel");

        // Protocol: an accreditation, a company signatory's full powers, the Commission's badges scanned.
        await Run(protocol, "post", "/api/delegations/{id}/members/{memberId}/accreditation");
        await Run(protocol, "post", "/api/delegations/{id}/members/{memberId}/full-powers");
        var scan = await Run(protocol, "post", "/api/conferences/{slug}/check-in");
        Assert.Equal("CheckedIn", (string?)scan["result"]);
        var batch = await Run(protocol, "post", "/api/conferences/{slug}/check-in/batch");
        Assert.Equal(0, (int)batch["refused"]!);

        // The Commission's focal point, whose token the demo gives no one: the test takes a new one.
        var delegationId = Guid.Parse((string)Operation(document, "post /api/delegations/{id}/members")["parameters"]!.AsArray().First(p => (string?)p!["name"] == "id")!["example"]!);
        var token = await api.Services.GetRequiredService<DelegationService>().RotateTokenAsync(delegationId, null, "test", CancellationToken.None);
        var focalPoint = api.Anonymous();
        focalPoint.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        await Run(focalPoint, "post", "/api/delegations/{id}/members", 201);
        await Run(focalPoint, "put", "/api/delegations/{id}/focal-point");
        await Run(focalPoint, "post", "/api/delegations/{id}/seats");
        await Run(focalPoint, "put", "/api/delegations/{id}/members/{memberId}");
        await Run(focalPoint, "post", "/api/delegations/{id}/withdraw");

        // Anyone: a delegation registered; the organiser cancels the moved session.
        await Run(api.Anonymous(), "post", "/api/conferences/{slug}/delegations", 201);
        await Run(organiser, "post", "/api/conferences/{slug}/sessions/{id}/cancel");

        Assert.Equal(BodyOperations(document).Order(StringComparer.Ordinal), done.Order(StringComparer.Ordinal));
    }

    private async Task<JsonObject> DocumentAsync()
    {
        await api.SeededAsync();
        var response = await api.Anonymous().GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static IEnumerable<string> BodyOperations(JsonObject document) =>
        document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => o.Value is JsonObject op && op["requestBody"] is not null).Select(o => $"{o.Key} {path.Key}"));

    private static JsonNode Operation(JsonObject document, string operation)
    {
        var (method, path) = (operation[..operation.IndexOf(' ', StringComparison.Ordinal)], operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        return document["paths"]![path]![method] ?? throw new InvalidOperationException($"No operation {operation} in the document.");
    }

    private static JsonNode Media(JsonObject document, string operation) =>
        Operation(document, operation)["requestBody"]!["content"]!["application/json"] ?? throw new InvalidOperationException($"{operation} takes no JSON.");

    /// <summary>ajv (tests/json-schema/openapi-examples.mjs): each example against its operation's schema, as the document writes it.</summary>
    private static async Task<JsonNode> AjvAsync(JsonObject document, IReadOnlyList<string> operations)
    {
        var start = new ProcessStartInfo("node", "openapi-examples.mjs")
        {
            WorkingDirectory = Path.Combine(Agenda.FrabScheduleTests.RepositoryRoot(), "tests", "json-schema"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        await node.StandardInput.WriteAsync(new JsonObject { ["document"] = document.DeepClone(), ["operations"] = new JsonArray([.. operations.Select(o => (JsonNode)o)]) }.ToJsonString());
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(deadline.Token);
        Assert.True(node.ExitCode == 0, $"ajv did not run: {await error}");
        return JsonNode.Parse(await output)!;
    }
}
