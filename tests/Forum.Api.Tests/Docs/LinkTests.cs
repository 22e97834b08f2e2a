using System.Text;
using System.Text.RegularExpressions;

namespace Forum.Api.Tests.Docs;

/// <summary>
/// The README and docs/ point at each other, at code files and at their own sections: a file moved or a heading
/// renamed leaves a link that leads nowhere. Every relative link and image in README.md and docs/**/*.md must name a
/// file or folder that exists and, with a <c>#anchor</c>, a heading of that file (GitHub's anchors). Needs no database.
/// </summary>
public sealed partial class LinkTests
{
    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_resolves()
    {
        var root = RepositoryRoot();
        var files = new List<string> { Path.Combine(root, "README.md") };
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        }

        var problems = new List<string>();
        foreach (var file in files)
        {
            problems.AddRange(BrokenLinks(root, file));
        }

        Assert.True(problems.Count == 0, $"{problems.Count} broken links:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void A_link_to_a_missing_file_or_heading_is_reported()
    {
        var root = Path.Combine(Path.GetTempPath(), "forum-links-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            File.WriteAllText(Path.Combine(root, "other.md"), "# Other\n\n## The event store\n");
            var page = Path.Combine(root, "page.md");
            File.WriteAllText(page, string.Join('\n',
                "# Page",
                "## Seats, and the tour de table",
                "[fine](other.md#the-event-store) [fine](#seats-and-the-tour-de-table) [fine](https://example.org/x.md)",
                "[gone](missing.md) [no heading](other.md#no-such-heading) ![gone](pictures/none.png) [no section](#nowhere)",
                "<img src=\"pictures/gone.png\" alt=\"gone\" width=\"200\">",
                "`[not a link](inside-code.md)`",
                "```",
                "[not a link](inside-a-fence.md)",
                "```"));

            var problems = BrokenLinks(root, page).ToList();

            Assert.Equal(5, problems.Count);
            Assert.Contains(problems, p => p.Contains("missing.md", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("other.md#no-such-heading", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("pictures/none.png", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("pictures/gone.png", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("#nowhere", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static IEnumerable<string> BrokenLinks(string root, string file)
    {
        var directory = Path.GetDirectoryName(file)!;
        var name = Path.GetRelativePath(root, file).Replace('\\', '/');
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (var target in Targets(lines, i))
            {
                if (target.StartsWith("http:", StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(directory, path));
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    yield return $"{name}:{i + 1}: {target} (no such file)";
                }
                else if (anchor is { Length: > 0 } && File.Exists(resolved)
                    && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                    && !Anchors(resolved).Contains(anchor))
                {
                    yield return $"{name}:{i + 1}: {target} (no such heading)";
                }
            }
        }
    }

    /// <summary>The targets of the links and images on a line, outside code (fenced blocks and backtick spans).</summary>
    private static IEnumerable<string> Targets(string[] lines, int index)
    {
        if (InFence(lines, index))
        {
            yield break;
        }

        var text = CodeSpan().Replace(lines[index], "");
        foreach (Match link in Link().Matches(text))
        {
            yield return link.Groups["target"].Value;
        }

        foreach (Match image in HtmlSource().Matches(text))
        {
            yield return image.Groups["target"].Value;
        }
    }

    private static bool InFence(string[] lines, int index)
    {
        var inside = false;
        for (var i = 0; i <= index; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (i == index)
                {
                    return true;
                }

                inside = !inside;
            }
        }

        return inside;
    }

    /// <summary>GitHub's anchors: the heading's text lower-cased, punctuation but '-' and '_' dropped, spaces made '-',
    /// and a repeated anchor numbered (-1, -2, ...).</summary>
    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            var heading = Heading().Match(lines[i]);
            if (!heading.Success || InFence(lines, i))
            {
                continue;
            }

            var text = Link().Replace(heading.Groups["text"].Value, m => m.Groups["text"].Value).ToLowerInvariant();
            var slug = new StringBuilder();
            foreach (var c in text)
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
            {
                anchor = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Forum.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Forum.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"<img\s[^>]*src=""(?<target>[^""]+)""")]
    private static partial Regex HtmlSource();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
