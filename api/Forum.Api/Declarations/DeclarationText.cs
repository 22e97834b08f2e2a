using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Forum.Api.Declarations;

/// <summary>What a commitment measures and in which unit ("Growth of the Interpol database", "percent per year").</summary>
public sealed record Indicator(string Name, string Unit);

/// <summary>A numbered commitment, optionally measured by an indicator with a yearly target.</summary>
public sealed record Commitment(int Number, string Text, Indicator? Indicator, decimal? YearlyTarget);

/// <summary>The text of a declaration as drafted and, once adopted, as signed.</summary>
public sealed record DeclarationText(string Title, string Preamble, IReadOnlyList<Commitment> Commitments)
{
    /// <summary>
    /// The canonical form that is hashed and served at <c>GET .../text</c> (the README gives the rule): UTF-8 without
    /// a byte order mark, LF line ends, the title, an empty line, the preamble, then each commitment after an empty
    /// line as "N. text", with "   Indicator: name (unit)" and "   Yearly target: value" lines when it has them;
    /// the whole ends with one LF. Fields are NFC-normalised and trimmed when drafted, so the form is fixed by the text.
    /// </summary>
    public string Canonical()
    {
        var text = new StringBuilder();
        text.Append(Title).Append('\n').Append('\n').Append(Preamble).Append('\n');
        foreach (var c in Commitments)
        {
            text.Append('\n').Append(c.Number.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(c.Text).Append('\n');
            if (c.Indicator is { } indicator)
            {
                text.Append("   Indicator: ").Append(indicator.Name).Append(" (").Append(indicator.Unit).Append(")\n");
            }

            if (c.YearlyTarget is { } target)
            {
                text.Append("   Yearly target: ").Append(FormatNumber(target)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Lower-case hexadecimal SHA-256 of the canonical form's UTF-8 bytes: <c>curl -s .../text | sha256sum</c>.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical())));

    /// <summary>A number as the canonical form writes it: invariant culture, no grouping, no trailing zeros (10, 2.5, -0.25).</summary>
    public static string FormatNumber(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    /// <summary>
    /// A field as the canonical form holds it: NFC, CR LF and CR as LF, no spaces at line ends, trimmed. Applied when
    /// a draft is made, so a text read back is the text hashed.
    /// </summary>
    public static string Normalize(string value)
    {
        var lines = value.Normalize(NormalizationForm.FormC).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        return string.Join('\n', lines.Select(l => l.TrimEnd())).Trim();
    }
}

/// <summary>One difference between two drafts: the title, the preamble, the reporting deadline, or a commitment by number.</summary>
public sealed record DraftChange(string Field, string Change, int? Number = null, object? Before = null, object? After = null);

public sealed record DraftChanges(int From, int To, IReadOnlyList<DraftChange> Changes);

public static class DraftDiff
{
    public static DraftChanges Between(DraftVersion from, DraftVersion to)
    {
        var changes = new List<DraftChange>();
        if (from.Text.Title != to.Text.Title)
        {
            changes.Add(new DraftChange("title", "Changed", Before: from.Text.Title, After: to.Text.Title));
        }

        if (from.Text.Preamble != to.Text.Preamble)
        {
            changes.Add(new DraftChange("preamble", "Changed", Before: from.Text.Preamble, After: to.Text.Preamble));
        }

        var before = from.Text.Commitments.ToDictionary(c => c.Number);
        var after = to.Text.Commitments.ToDictionary(c => c.Number);
        foreach (var number in before.Keys.Union(after.Keys).Order())
        {
            var (b, a) = (before.GetValueOrDefault(number), after.GetValueOrDefault(number));
            if (b is null)
            {
                changes.Add(new DraftChange("commitment", "Added", number, After: a));
            }
            else if (a is null)
            {
                changes.Add(new DraftChange("commitment", "Removed", number, Before: b));
            }
            else if (b != a)
            {
                changes.Add(new DraftChange("commitment", "Changed", number, b, a));
            }
        }

        if (from.ReportingDeadline != to.ReportingDeadline)
        {
            changes.Add(new DraftChange("reportingDeadline", "Changed", Before: from.ReportingDeadline, After: to.ReportingDeadline));
        }

        return new DraftChanges(from.Number, to.Number, changes);
    }
}
