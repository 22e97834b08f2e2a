using System.Text.Json;
using Microsoft.Playwright;

namespace Forum.Web.Tests.Infrastructure;

/// <summary>What every page of both apps must pass: axe-core's WCAG 2.1 A and AA rules, and screenshots at three widths.</summary>
public static class PageChecks
{
    private static readonly int[] Widths = [375, 768, 1280];

    public static async Task AxeAsync(IPage page, string name)
    {
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
              return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
        Assert.True(violations.GetArrayLength() == 0, $"axe-core on {name}:\n" + string.Join('\n', violations.EnumerateArray()));
    }

    public static async Task AxeAndScreenshotsAsync(IPage page, string name)
    {
        await AxeAsync(page, name);
        var folder = Path.Combine(WebFixture.ResultsDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}.{width}.png"), FullPage = true });
        }
    }
}
