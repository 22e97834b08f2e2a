using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forum.Api.Infrastructure;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>
/// The served OpenAPI document as people who generate clients read it: Redocly's recommended rules over it
/// (tests/openapi-lint, @redocly/cli pinned by its lock file), and its refusals checked against what the API answers.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class OpenApiLintTests(ApiFixture api)
{
    /// <summary>The rules of the issue: each must give nothing (but <see cref="NeverRefusing"/>, for the 4xx rule).</summary>
    private static readonly string[] Kept = ["operation-operationId", "operation-4xx-response", "tag-description", "no-server-trailing-slash"];

    /// <summary>
    /// Operations that refuse nothing, so declaring a 4xx answer would be untrue: health and metrics (a failing dependency
    /// is a 503), and the two public lists (no parameter, no authorization, every caller gets an answer).
    /// </summary>
    private static readonly HashSet<string> NeverRefusing = new(StringComparer.Ordinal) { "health", "healthLive", "healthReady", "metrics", "listSeries", "listConferences" };

    [Fact]
    public async Task The_served_document_passes_Redocly_s_recommended_rules_with_every_operation_named_refusing_with_problems_and_tagged()
    {
        var document = await DocumentAsync();
        var (exitCode, report, errors) = await RedoclyLintAsync(document);
        var problems = report["problems"]!.AsArray().Select(p => p!).ToList();
        string Listing(IEnumerable<JsonNode> found) => string.Join("\n", found.Select(p =>
            $"{p["severity"]} {p["ruleId"]} at {p["location"]?[0]?["pointer"]}: {p["message"]}"));

        var failing = problems.Where(p => (string?)p["severity"] == "error").ToList();
        Assert.True(failing.Count == 0 && exitCode == 0, $"Redocly found errors (exit code {exitCode}):\n{Listing(failing)}\n{errors}");

        var kept = problems.Where(p => Kept.Contains((string?)p["ruleId"]))
            .Where(p => !((string?)p["ruleId"] == "operation-4xx-response" && NeverRefusing.Contains(OperationAt(document, (string)p["location"]![0]!["pointer"]!))))
            .ToList();
        Assert.True(kept.Count == 0, $"Redocly's warnings of the kinds the document must not have:\n{Listing(kept)}");

        // The exception is what it says: those operations exist and refuse nothing.
        var operations = Operations(document).ToList();
        Assert.Contains(operations, o => o.Id == "health");
        Assert.All(operations.Where(o => NeverRefusing.Contains(o.Id)), o => Assert.DoesNotContain(Statuses(o.Node), s => s.StartsWith('4')));
    }

    [Fact]
    public async Task Every_refusal_is_a_problem_naming_its_codes_and_only_routes_that_take_If_Match_declare_412()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToList();
        Assert.True(operations.Count > 80, $"Only {operations.Count} operations in the document.");
        Assert.All(operations, o => Assert.Matches(CamelCase(), o.Id));
        Assert.Equal(operations.Count, operations.Select(o => o.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.NotNull(document["components"]?["schemas"]?["Problem"]?["properties"]?["code"]);
        Assert.All(document["tags"]!.AsArray(), t => Assert.False(string.IsNullOrWhiteSpace((string?)t!["description"]), $"Tag {t!["name"]} has no description."));
        Assert.All(document["servers"]!.AsArray(), s => Assert.DoesNotMatch("/$", (string)s!["url"]!));

        foreach (var operation in operations)
        {
            foreach (var status in Statuses(operation.Node).Where(s => s[0] is '4' or '5'))
            {
                var answer = operation.Node["responses"]![status]!;
                var content = answer["content"]!.AsObject();
                Assert.True(content.Count == 1 && content.ContainsKey(ApiProblems.MediaType), $"{operation.Id} {status}: not a problem+json answer alone.");
                Assert.Equal("#/components/schemas/Problem", (string?)content[ApiProblems.MediaType]!["schema"]!["$ref"]);
                var codes = content[ApiProblems.MediaType]!["examples"]!.AsObject().Select(e => e.Key).ToList();
                Assert.NotEmpty(codes);
                Assert.All(codes, c => Assert.Contains($"`{c}`", (string)answer["description"]!, StringComparison.Ordinal));
            }

            var takesIfMatch = operation.Node["parameters"]?.AsArray().Any(p => (string?)p!["name"] == "If-Match" && (string?)p["in"] == "header") == true;
            Assert.True(takesIfMatch == Statuses(operation.Node).Contains("412"), $"{operation.Id}: If-Match {(takesIfMatch ? "without" : "not taken, yet")} a 412.");
            if (takesIfMatch)
            {
                Assert.Contains("If-Match", (string?)operation.Node["description"] ?? "", StringComparison.Ordinal);
            }
        }

        // What the handlers answer, spot-checked: an organiser's route, a focal point's route, one that anyone may call.
        Assert.Equal(["400", "401", "403", "404", "409", "412", "422"], Statuses(Operation(document, "changeSession")));
        Assert.Contains("`room_double_booked`", (string)Operation(document, "changeSession")["responses"]!["409"]!["description"]!, StringComparison.Ordinal);
        Assert.Equal(["400", "403", "404", "409", "412", "422"], Statuses(Operation(document, "addMember")));
        Assert.Equal(["404"], Statuses(Operation(document, "getDelegation")));
        Assert.Contains(Operation(document, "registerDelegation")["parameters"]!.AsArray(), p => (string?)p!["name"] == "Idempotency-Key");
        Assert.DoesNotContain(operations, o => o.Id.StartsWith("get", StringComparison.Ordinal) && Statuses(o.Node).Contains("412"));
    }

    [Fact]
    public async Task The_refusals_the_API_answers_are_among_those_the_document_declares_for_the_operation()
    {
        var document = await DocumentAsync();
        var organiser = api.Organiser();
        var slug = ApiFixture.NewSlug("lint");
        var series = new { slug, name = "Lint series", description = (string?)null };

        await Declared(document, "createSeries", await api.Anonymous().PostJsonAsync("/api/series", series), 401, "unauthenticated");
        await Declared(document, "createSeries", await api.As(Roles.Protocol).PostJsonAsync("/api/series", series), 403, "forbidden");
        await Declared(document, "createSeries", await organiser.PostRawAsync("/api/series", """{"slug": "x", "name": "X", "description": null, "colour": "red"}"""), 400, "unknown_field");
        await Declared(document, "createSeries", await organiser.PostJsonAsync("/api/series", new { slug = "Not A Slug", name = "", description = (string?)null }), 400, "validation_failed");
        await (await organiser.PostJsonAsync("/api/series", series)).OkJsonAsync(201);
        await Declared(document, "createSeries", await organiser.PostJsonAsync("/api/series", series), 409, "series_exists");

        await Declared(document, "getConference", await api.Anonymous().GetAsync($"/api/conferences/{slug}"), 404, "not_found");
        await (await organiser.PostJsonAsync("/api/conferences", new
        {
            slug,
            title = "Lint conference",
            seriesSlug = (string?)null,
            venue = new { name = "Centre", city = "Brussels", country = "BE" },
            timeZone = "Europe/Brussels",
            firstDay = "2031-03-03",
            lastDay = "2031-03-04",
            languages = new[] { "en" },
            capacity = 10,
            delegationQuota = 2,
        })).OkJsonAsync(201);
        await Declared(document, "publishConference", await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null, ifMatch: "\"99\""), 412, "precondition_failed");
        await (await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null)).OkJsonAsync();
        await Declared(document, "publishConference", await organiser.PostJsonAsync($"/api/conferences/{slug}/publish", null), 409, "invalid_transition");

        var register = new HttpRequestMessage(HttpMethod.Post, $"/api/conferences/{slug}/delegations") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        register.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 300));
        await Declared(document, "registerDelegation", await api.Anonymous().SendAsync(register), 400, "invalid_idempotency_key");

        var stranger = api.Anonymous();
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-delegation-token");
        await Declared(document, "getMyDelegation", await stranger.GetAsync("/api/delegations/mine"), 404, "not_found");
    }

    private static async Task Declared(JsonObject document, string operationId, HttpResponseMessage response, int status, string code)
    {
        await response.ProblemAsync(status, code);
        var answer = Operation(document, operationId)["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        Assert.True(answer is not null, $"{operationId} answered {status}, which the document does not declare.");
        Assert.True(answer["content"]?[ApiProblems.MediaType]?["examples"]?[code] is not null, $"{operationId} answered {status} {code}, which the document does not list: {answer["description"]}");
    }

    private async Task<JsonObject> DocumentAsync()
    {
        var response = await api.Anonymous().GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static IEnumerable<(string Id, JsonNode Node)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(o => o.Value is JsonObject op && op["responses"] is not null)
            .Select(o => ((string?)o.Value!["operationId"] ?? $"{o.Key} {path.Key}", o.Value!)));

    private static JsonNode Operation(JsonObject document, string operationId) =>
        Operations(document).SingleOrDefault(o => o.Id == operationId).Node ?? throw new InvalidOperationException($"No operation {operationId} in the document.");

    private static List<string> Statuses(JsonNode operation) => operation["responses"]!.AsObject().Select(r => r.Key).Where(k => k != "200" && k != "201" && k != "204").Order(StringComparer.Ordinal).ToList();

    /// <summary>The operationId of a JSON pointer into an operation ("#/paths/~1health/get/responses").</summary>
    private static string OperationAt(JsonObject document, string pointer)
    {
        var parts = pointer.TrimStart('#', '/').Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        return parts is ["paths", var path, var method, ..] ? (string?)document["paths"]?[path]?[method]?["operationId"] ?? pointer : pointer;
    }

    /// <summary>
    /// <c>redocly lint --format=json</c> over the document, with tests/openapi-lint/redocly.yaml (the recommended rules;
    /// telemetry off, and no update check, so it runs offline).
    /// </summary>
    private static async Task<(int ExitCode, JsonObject Report, string Errors)> RedoclyLintAsync(JsonObject document)
    {
        var folder = Path.Combine(Agenda.FrabScheduleTests.RepositoryRoot(), "tests", "openapi-lint");
        var cli = Path.Combine(folder, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"{cli} is missing: ./forum test installs it (or: cd tests/openapi-lint && npm ci).");
        var file = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document.ToJsonString());
        try
        {
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" },
            };
            foreach (var argument in new[] { cli, "lint", file, "--config", Path.Combine(folder, "redocly.yaml"), "--format=json", "--max-problems", "10000" })
            {
                start.ArgumentList.Add(argument);
            }

            using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var output = node.StandardOutput.ReadToEndAsync();
            var error = node.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await node.WaitForExitAsync(deadline.Token);
            var text = await output;
            Assert.True(text.TrimStart().StartsWith('{'), $"redocly gave no report (exit code {node.ExitCode}):\n{text}\n{await error}");
            return (node.ExitCode, JsonNode.Parse(text)!.AsObject(), await error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex CamelCase();
}
