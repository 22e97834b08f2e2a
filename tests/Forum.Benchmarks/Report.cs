using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Forum.Benchmarks;

/// <summary>
/// One reported figure. For throughput, baseline is the raw-Npgsql figure of the same run and ratio = value / baseline
/// (higher is better). For lag, baseline is the goal and ratio = value / goal (lower is better).
/// </summary>
internal sealed record Figure(string Name, double Value, string Unit, double Baseline, double Ratio)
{
    public static Figure Throughput(string name, double store, double raw, string unit = "events/s") =>
        new(name, Math.Round(store, 1), unit, Math.Round(raw, 1), Math.Round(store / raw, 3));

    public static Figure Latency(string name, double ms, double goalMs) =>
        new(name, Math.Round(ms, 1), "ms", goalMs, Math.Round(ms / goalMs, 3));

    public bool LowerIsBetter => Unit is "ms" or "bytes";
}

internal static class Report
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Table(IReadOnlyList<Figure> figures, IReadOnlyDictionary<string, string> goals)
    {
        var c = CultureInfo.InvariantCulture;
        var rows = figures.Select(f => new[]
        {
            f.Name,
            f.Value.ToString(f.Unit == "ms" ? "N1" : "N0", c),
            f.Unit,
            f.Baseline.ToString(f.Unit == "ms" ? "N1" : "N0", c),
            f.Ratio.ToString("0.000", c),
            f.LowerIsBetter ? "value/baseline (or goal), lower is better" : "value/baseline, higher is better",
            goals.GetValueOrDefault(f.Name, ""),
        }).ToList();
        string[] header = ["Benchmark", "Value", "Unit", "Baseline", "Ratio", "Ratio means", "Goal"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var rightAligned = new[] { false, true, false, true, true, false, false };
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((cell, i) => rightAligned[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd());
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        rows.ForEach(Line);
        return sb.ToString();
    }

    /// <summary>Creates the output directory and proves a file can be written there.</summary>
    public static void EnsureWritable(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var probe = Path.Combine(directory, $".bench-{Environment.ProcessId}.probe");
        File.WriteAllText(probe, "");
        File.Delete(probe);
    }

    public static async Task WriteJsonAsync(string path, IReadOnlyList<Figure> figures)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, figures.Select(f => new { f.Name, f.Value, f.Unit, f.Baseline, f.Ratio }), Json);
    }
}
