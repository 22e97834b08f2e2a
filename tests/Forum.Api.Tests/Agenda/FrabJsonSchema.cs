using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Forum.Api.Tests.Agenda;

/// <summary>
/// c3voc's JSON schema of schedule.json (schemas/frab-schedule.schema.json, draft-06), checked by ajv with ajv-formats
/// run by Node.js (tests/json-schema/frab-schedule.mjs): a validator of its own, not our reading of the schema.
/// </summary>
public static class FrabJsonSchema
{
    public static async Task AssertValidAsync(string json)
    {
        var start = new ProcessStartInfo("node", "frab-schedule.mjs")
        {
            WorkingDirectory = Path.Combine(FrabScheduleTests.RepositoryRoot(), "tests", "json-schema"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        await node.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(json));
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(deadline.Token);
        Assert.True(node.ExitCode == 0, $"ajv did not run: {await error}");
        var answer = JsonDocument.Parse(await output).RootElement;
        Assert.True(answer.GetProperty("valid").GetBoolean(), $"schedule.json does not validate against the c3voc schema: {answer}\n{json}");
    }
}
