using System.Globalization;
using System.Text;
using QRCoder;

namespace Forum.Design;

/// <summary>
/// A QR code as inline SVG, drawn here from QRCoder's modules: one path of the dark modules (runs merged), no style
/// attributes (so nothing for CSP to allow), crisp at any size, a few kilobytes. The web client's calendar links and
/// the staff app's badge sheets draw theirs here.
/// </summary>
public static class QrCode
{
    /// <param name="width">The drawn size: pixels, or any CSS length (<c>30mm</c> on a printed badge).</param>
    public static string Svg(string text, string label, string width = "240")
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var size = matrix.Count;
        var path = new StringBuilder();
        for (var y = 0; y < size; y++)
        {
            var row = matrix[y];
            for (var x = 0; x < size; x++)
            {
                if (!row[x])
                {
                    continue;
                }

                var run = 1;
                while (x + run < size && row[x + run])
                {
                    run++;
                }

                path.Append(CultureInfo.InvariantCulture, $"M{x} {y}h{run}v1h-{run}z");
                x += run - 1;
            }
        }

        var n = size.ToString(CultureInfo.InvariantCulture);
        return $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" width=\"{width}\" height=\"{width}\" role=\"img\" aria-label=\"{System.Net.WebUtility.HtmlEncode(label)}\" shape-rendering=\"crispEdges\">"
            + $"<rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path fill=\"#0b0c0c\" d=\"{path}\"/></svg>";
    }
}
