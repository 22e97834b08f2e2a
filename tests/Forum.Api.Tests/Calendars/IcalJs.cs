using System.Diagnostics;
using System.Text.Json;

namespace Forum.Api.Tests.Calendars;

/// <summary>ical.js (the parser inside Thunderbird), run by Node.js on a feed: an independent reading of what we write.</summary>
public static class IcalJs
{
    private static readonly string Folder = Path.Combine(RepositoryRoot(), "tests", "calendar-parser");

    /// <summary>Many feeds in one run of Node.js: an array of what <see cref="ParseAsync(byte[])"/> gives for each.</summary>
    public static Task<JsonElement> ParseAllAsync(IEnumerable<byte[]> feeds) =>
        ParseAsync(JsonSerializer.SerializeToUtf8Bytes(feeds.Select(f => System.Text.Encoding.UTF8.GetString(f)).ToList()));

    public static async Task<JsonElement> ParseAsync(byte[] feed)
    {
        var start = new ProcessStartInfo("node", "parse.mjs")
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        await node.StandardInput.BaseStream.WriteAsync(feed);
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(deadline.Token);
        Assert.True(node.ExitCode == 0, $"ical.js could not read the feed: {await error}");
        return JsonDocument.Parse(await output).RootElement;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forum.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Forum.sln not found above the test binaries.");
    }
}
