using System.Text.Json;
using Forum.Staff.Api;
using Forum.Staff.Pages.Protocol;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.CheckIn;

/// <summary>Who is in: checked in out of accredited, by kind of party, by day and by gate; the page refreshes itself.</summary>
public sealed class SummaryModel(StaffApi api) : ProtocolPageModel(api)
{
    public JsonElement Summary { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        var answer = await Api.ForwardAsync(HttpMethod.Get, slug, "summary", null, ct);
        if (answer.Status != 200)
        {
            return StatusCode(answer.Status == 404 ? 404 : 502);
        }

        Summary = JsonDocument.Parse(answer.Body).RootElement.Clone();
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    public static int Count(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    public static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    public IEnumerable<JsonElement> List(string name) =>
        Summary.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
