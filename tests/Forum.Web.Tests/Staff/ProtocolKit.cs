using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Forum.Api.Infrastructure;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace Forum.Web.Tests.Staff;

/// <summary>A delegation registered through the API for the protocol pages' tests: its id, its focal point's token, its members in order.</summary>
public sealed record ProtocolDelegation(Guid Id, string Token, string Name, IReadOnlyList<Guid> Members);

/// <summary>What the protocol pages' tests make through the API, and how they read a badge sheet's QR codes.</summary>
public static partial class ProtocolKit
{
    /// <summary>A state (by ISO code) registering a head (a minister with declared full powers) and advisers named "{role} of {code}".</summary>
    public static async Task<ProtocolDelegation> StateAsync(StaffFixture staff, string slug, string code, params string[] advisers)
    {
        var lower = code.ToLowerInvariant();
        var members = new List<object>
        {
            new { name = $"Head of {code}", function = "Minister of Justice", rank = "Minister", email = $"head.{lower}@example.org", isHead = true, hasFullPowers = true },
        };
        members.AddRange(advisers.Select(a => (object)new
        {
            name = $"{a} of {code}", function = a, rank = "SeniorOfficial", email = $"{a.ToLowerInvariant()}.{lower}@example.org", isHead = false, hasFullPowers = false,
        }));
        using var anonymous = new HttpClient { BaseAddress = staff.Api.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/conferences/{slug}/delegations")
        {
            Content = JsonContent.Create(new { party = new { kind = "State", code }, focalPoint = new { name = $"Focal point of {code}", email = $"focal.{lower}@example.org" }, members }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await anonymous.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        return new ProtocolDelegation(
            body.GetProperty("id").GetGuid(), body.GetProperty("accessToken").GetString()!, body.GetProperty("party").GetProperty("name").GetString()!,
            body.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToList());
    }

    /// <summary>Approves members through the API, as another protocol officer would.</summary>
    public static async Task ApproveAsync(StaffFixture staff, ProtocolDelegation d, params Guid[] members)
    {
        using var protocol = StaffKit.As(staff, Roles.Protocol);
        foreach (var member in members)
        {
            using var response = await protocol.PostAsJsonAsync($"api/delegations/{d.Id}/members/{member}/accreditation", new { decision = "approve" });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>A focal point's own change through the API (a member withdrawn, the delegation withdrawn).</summary>
    public static async Task FocalPointAsync(StaffFixture staff, ProtocolDelegation d, HttpMethod method, string path, object? body = null)
    {
        using var client = new HttpClient { BaseAddress = staff.Api.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", d.Token);
        using var request = new HttpRequestMessage(method, $"api/delegations/{d.Id}{path}") { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Decodes a QR code drawn as the staff app draws it (an SVG whose viewBox counts modules and whose one path holds the
    /// dark modules as unit rectangles): rasterised as printed, then read by ZXing's QR decoder, which knows nothing of ours.
    /// </summary>
    public static string DecodeQr(string svg)
    {
        var size = int.Parse(ViewBox().Match(svg).Groups[1].Value, CultureInfo.InvariantCulture);
        const int scale = 4;
        const int quiet = 4;
        var width = (size + 2 * quiet) * scale;
        var pixels = Enumerable.Repeat((byte)255, width * width).ToArray();
        foreach (Match run in Run().Matches(Path().Match(svg).Groups[1].Value))
        {
            var x = int.Parse(run.Groups[1].Value, CultureInfo.InvariantCulture);
            var y = int.Parse(run.Groups[2].Value, CultureInfo.InvariantCulture);
            var length = int.Parse(run.Groups[3].Value, CultureInfo.InvariantCulture);
            for (var dy = 0; dy < scale; dy++)
            {
                for (var dx = 0; dx < length * scale; dx++)
                {
                    pixels[(((y + quiet) * scale) + dy) * width + ((x + quiet) * scale) + dx] = 0;
                }
            }
        }

        var bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(pixels, width, width, RGBLuminanceSource.BitmapFormat.Gray8)));
        var result = new QRCodeReader().decode(bitmap) ?? throw new InvalidOperationException("The QR code does not decode.");
        return result.Text;
    }

    [GeneratedRegex("viewBox=\"0 0 (\\d+) \\d+\"")]
    private static partial Regex ViewBox();

    [GeneratedRegex("<path[^>]* d=\"([^\"]*)\"")]
    private static partial Regex Path();

    [GeneratedRegex("M(\\d+) (\\d+)h(\\d+)v1h-\\d+z")]
    private static partial Regex Run();
}
