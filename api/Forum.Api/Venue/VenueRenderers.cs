using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using CsvHelper;
using Forum.Api.Delegations;
using NodaTime;
using NodaTime.Text;
using QRCoder;

namespace Forum.Api.Venues;

/// <summary>The printable badge: A6 portrait, the role colour of the party's kind, the conference, the person, the party and the QR code.</summary>
public static class BadgeRenderer
{
    private const int Width = 1050;
    private const int Height = 1480;
    private const string SvgNamespace = "http://www.w3.org/2000/svg";

    /// <summary>The role colour (and its label) by kind of party, as printed on the badge's bands.</summary>
    public static (string Colour, string Label) Role(PartyKind kind) => kind switch
    {
        PartyKind.State => ("#1f4e9c", "State delegation"),
        PartyKind.InternationalOrganisation => ("#2e7d32", "International organisation"),
        PartyKind.Company => ("#6a1b9a", "Company"),
        PartyKind.NonGovernmentalOrganisation => ("#e65100", "Non-governmental organisation"),
        PartyKind.LawEnforcement => ("#b71c1c", "Law enforcement"),
        _ => ("#424242", kind.ToString()),
    };

    /// <summary>The QR code's modules (quiet zone included) for a code, at error correction level M.</summary>
    public static QRCodeData Qr(string code)
    {
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(code, QRCodeGenerator.ECCLevel.M);
    }

    /// <summary>A PNG of the QR code alone (no text: composing the whole badge as a bitmap needs a font rasteriser, which the platform does not ship).</summary>
    public static byte[] Png(string code)
    {
        using var data = Qr(code);
        return new PngByteQRCode(data).GetGraphic(12);
    }

    public static string Svg(BadgeView badge)
    {
        var (colour, label) = Role(badge.Party.Kind);
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, OmitXmlDeclaration = false };
        using (var writer = XmlWriter.Create(new StringWriter(text, CultureInfo.InvariantCulture), settings))
        {
            writer.WriteStartElement("svg", SvgNamespace);
            writer.WriteAttributeString("width", "105mm");
            writer.WriteAttributeString("height", "148mm");
            writer.WriteAttributeString("viewBox", $"0 0 {Width} {Height}");
            writer.WriteAttributeString("data-badge-code", badge.Code);
            writer.WriteAttributeString("data-badge-serial", badge.Serial.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("font-family", "Helvetica, Arial, sans-serif");
            Element(writer, "title", $"{badge.Name}, {badge.Party.Name}: {badge.ConferenceTitle}");
            Rect(writer, 0, 0, Width, Height, "#ffffff");
            Rect(writer, 0, 0, Width, 200, colour);
            Lines(writer, badge.ConferenceTitle, 60, 44, 3, 30, "#ffffff", "bold", Width / 2, 70);
            var y = Lines(writer, badge.Name, 24, 72, 2, 64, "#000000", "bold", Width / 2, 320);
            y = Lines(writer, badge.Function, 44, 40, 2, 34, "#333333", "normal", Width / 2, y + 10);
            Lines(writer, badge.Party.Name, 36, 52, 2, 44, colour, "bold", Width / 2, y + 30);
            Qr(writer, badge.Code, 300, 660, 450);
            Rect(writer, 0, Height - 180, Width, 180, colour);
            var role = badge.IsHead ? $"{label} · Head of delegation" : label;
            Lines(writer, role, 50, 44, 1, 36, "#ffffff", "bold", Width / 2, Height - 80);
            writer.WriteEndElement();
        }

        return text.ToString();
    }

    private static void Rect(XmlWriter writer, int x, int y, int width, int height, string fill)
    {
        writer.WriteStartElement("rect", SvgNamespace);
        writer.WriteAttributeString("x", x.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("y", y.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("width", width.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("height", height.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("fill", fill);
        writer.WriteEndElement();
    }

    private static void Element(XmlWriter writer, string name, string value)
    {
        writer.WriteStartElement(name, SvgNamespace);
        writer.WriteString(XmlSafe(value));
        writer.WriteEndElement();
    }

    /// <summary>Centred text, wrapped at word boundaries into at most <paramref name="maxLines"/> lines; returns the baseline after the last.</summary>
    private static int Lines(XmlWriter writer, string value, int perLine, int lineHeight, int maxLines, int size, string fill, string weight, int x, int y)
    {
        foreach (var line in Wrap(value, perLine, maxLines))
        {
            y += lineHeight;
            writer.WriteStartElement("text", SvgNamespace);
            writer.WriteAttributeString("x", x.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("y", y.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("font-size", size.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("font-weight", weight);
            writer.WriteAttributeString("fill", fill);
            writer.WriteAttributeString("text-anchor", "middle");
            writer.WriteString(XmlSafe(line));
            writer.WriteEndElement();
        }

        return y;
    }

    internal static IEnumerable<string> Wrap(string value, int perLine, int maxLines)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > perLine)
            {
                lines.Add(current.ToString());
                current.Clear();
            }

            current.Append(current.Length > 0 ? " " : "").Append(word);
        }

        if (current.Length > 0)
        {
            lines.Add(current.ToString());
        }

        return lines.Count <= maxLines ? lines : [.. lines.Take(maxLines - 1), string.Join(' ', lines.Skip(maxLines - 1))];
    }

    /// <summary>The modules as one path of horizontal runs, scaled into a square of <paramref name="size"/> at (x, y).</summary>
    private static void Qr(XmlWriter writer, string code, int x, int y, int size)
    {
        using var data = Qr(code);
        var matrix = data.ModuleMatrix;
        var path = new StringBuilder();
        for (var row = 0; row < matrix.Count; row++)
        {
            for (var column = 0; column < matrix[row].Length; column++)
            {
                if (!matrix[row][column])
                {
                    continue;
                }

                var run = 1;
                while (column + run < matrix[row].Length && matrix[row][column + run])
                {
                    run++;
                }

                path.Append(CultureInfo.InvariantCulture, $"M{column} {row}h{run}v1h-{run}z");
                column += run - 1;
            }
        }

        writer.WriteStartElement("g", SvgNamespace);
        writer.WriteAttributeString("transform", FormattableString.Invariant($"translate({x} {y}) scale({(double)size / matrix.Count:0.####})"));
        writer.WriteAttributeString("shape-rendering", "crispEdges");
        writer.WriteStartElement("rect", SvgNamespace);
        writer.WriteAttributeString("width", matrix.Count.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("height", matrix.Count.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("fill", "#ffffff");
        writer.WriteEndElement();
        writer.WriteStartElement("path", SvgNamespace);
        writer.WriteAttributeString("d", path.ToString());
        writer.WriteAttributeString("fill", "#000000");
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    /// <summary>Characters XML cannot carry at all (unpaired surrogates, U+FFFE...) become U+FFFD; the writer escapes the rest.</summary>
    private static string XmlSafe(string value)
    {
        var safe = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                safe.Append(value[i]).Append(value[i + 1]);
                i++;
            }
            else
            {
                safe.Append(XmlConvert.IsXmlChar(value[i]) ? value[i] : '\uFFFD');
            }
        }

        return safe.ToString();
    }
}

/// <summary>The list of participants as CSV (CsvHelper, RFC 4180 quoting) and as a printable HTML page.</summary>
public static class ParticipantsRenderer
{
    public static readonly string[] CsvHeader = ["party", "kind", "name", "function", "rank", "role", "erased", "checkedIn", "checkedInAt", "gate"];

    /// <summary>
    /// RFC 4180 (CRLF, quotes where needed), UTF-8 with a byte order mark so that spreadsheets read accents right. A text
    /// that starts like a formula (= + - @) gets a leading apostrophe, so that opening the file never runs it.
    /// </summary>
    /// <param name="emails">With a last column, <c>email</c>: the members' addresses (none for an erased member).</param>
    public static byte[] Csv(IReadOnlyList<ParticipantRow> rows, bool emails = false)
    {
        using var output = new MemoryStream();
        using (var csv = CsvWriter.Create(output, CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            csv.WriteHeader(emails ? [.. CsvHeader, "email"] : CsvHeader);
            foreach (var row in rows)
            {
                string[] email = emails ? [row.Erased ? "" : row.Email ?? ""] : [];
                csv.WriteRecord(
                [
                    row.Party,
                    row.Kind.ToString(),
                    row.Erased ? ParticipantRow.ErasedText : row.Name ?? "",
                    row.Erased ? "" : row.Function ?? "",
                    row.Rank.ToString(),
                    row.Role,
                    row.Erased ? "true" : "false",
                    row.CheckedIn ? "true" : "false",
                    row.CheckedInAt is { } at ? InstantPattern.ExtendedIso.Format(at) : "",
                    row.Gate ?? "",
                    .. email,
                ]);
            }
        }

        return output.ToArray();
    }

    public static string Html(string conferenceTitle, DateTimeZone zone, IReadOnlyList<ParticipantRow> rows)
    {
        static string E(string? value) => WebUtility.HtmlEncode(value ?? "");
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Participants: {{E(conferenceTitle)}}</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; font-size: 10.5pt; margin: 2em; color: #000; }
            h1 { font-size: 16pt; margin: 0 0 .2em; }
            p.count { margin: 0 0 1em; color: #444; }
            table { border-collapse: collapse; width: 100%; }
            th, td { text-align: left; vertical-align: top; padding: .25em .5em; border-bottom: 1px solid #ccc; }
            th { border-bottom: 2px solid #000; }
            tr.party-start td { border-top: 2px solid #666; }
            td.erased { font-style: italic; color: #666; }
            @page { size: A4 landscape; margin: 12mm; }
            @media print {
              body { margin: 0; font-size: 9pt; }
              thead { display: table-header-group; }
              tr { page-break-inside: avoid; break-inside: avoid; }
            }
            </style>
            </head>
            <body>
            <h1>Participants: {{E(conferenceTitle)}}</h1>
            <p class="count">{{rows.Count}} participants, {{rows.Count(r => r.CheckedIn)}} checked in.</p>
            <table>
            <thead><tr><th>Party</th><th>Name</th><th>Function</th><th>Rank</th><th>Role</th><th>Checked in</th></tr></thead>
            <tbody>

            """);
        Guid? previous = null;
        foreach (var row in rows)
        {
            var start = row.DelegationId != previous;
            previous = row.DelegationId;
            var checkedIn = row.CheckedInAt is { } at
                ? E(LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm").Format(at.InZone(zone).LocalDateTime) + (row.Gate is null ? "" : $" ({row.Gate})"))
                : "";
            html.Append(start ? "<tr class=\"party-start\">" : "<tr>")
                .Append("<td>").Append(start ? E(row.Party) : "").Append("</td>")
                .Append(row.Erased ? $"<td class=\"erased\">{E(ParticipantRow.ErasedText)}</td><td></td>" : $"<td>{E(row.Name)}</td><td>{E(row.Function)}</td>")
                .Append("<td>").Append(E(ProtocolOrder.Words(row.Rank.ToString()))).Append("</td>")
                .Append("<td>").Append(E(row.Role)).Append("</td>")
                .Append("<td>").Append(checkedIn).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }
}
