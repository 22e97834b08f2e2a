using System.Text.Json;
using Forum.Staff.Api;
using Forum.Staff.Pages.Protocol;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.CheckIn;

/// <summary>
/// The scanner at a gate. With JavaScript it decides every scan on the device (scanner.js); without it, a typed or
/// scanned code is posted here and checked in online, and the API's answer is shown.
/// </summary>
public sealed class ScannerModel(StaffApi api, IAntiforgery antiforgery) : ProtocolPageModel(api)
{
    /// <summary>The words the script shows, in the page's language (keys without their "Ci" prefix).</summary>
    private static readonly string[] ScriptWords =
    [
        "Valid", "ValidNotOnList", "Already", "AlreadyAt", "Reissued", "NotAccredited", "OtherConference", "NotABadge",
        "Waiting", "WaitingNone", "SignInAgain", "Synced", "NotSynced", "Preparing", "Ready", "Offline", "CameraUnavailable",
        "CameraOn", "CameraOff", "LookDuplicate", "LookNotOnList", "LookRefused", "LookNone", "ManualDone", "ManualReasonMissing", "NoMatch",
        "CheckIn", "CheckedIn", "ReasonManual", "Gate", "SignOutUnsent",
    ];

    public string Gate { get; private set; } = "";

    public ScanAnswer? Answer { get; private set; }

    public string? Refused { get; private set; }

    public string WordsJson { get; private set; } = "{}";

    public string RequestToken { get; private set; } = "";

    /// <summary>A check-in's time of day at the conference.</summary>
    public string TimeOf(DateTimeOffset at) =>
        Dates.Time(NodaTime.Instant.FromDateTimeOffset(at).InZone(NodaTime.DateTimeZoneProviders.Tzdb[Conference.TimeZone]).TimeOfDay, Lang);

    public async Task<IActionResult> OnGetAsync(string slug, string? gate, CancellationToken ct) => await ShowAsync(slug, gate, ct);

    public async Task<IActionResult> OnPostAsync(string slug, string? gate, string? code, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(code))
        {
            var answer = await Api.CheckInAsync(slug, code.Trim(), gate, ct);
            if (answer.Value is { } value)
            {
                Answer = value;
            }
            else
            {
                Refused = Localisation.Text.Find("CiCode_" + answer.Problem?.Code, Lang) ?? Word("CiNotABadge");
            }
        }

        return await ShowAsync(slug, gate, ct);
    }

    private async Task<IActionResult> ShowAsync(string slug, string? gate, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(gate))
        {
            return Redirect(Url.Content($"~/check-in?slug={Uri.EscapeDataString(slug)}"));
        }

        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        Gate = gate.Trim();
        WordsJson = JsonSerializer.Serialize(ScriptWords.ToDictionary(k => k, k => Word("Ci" + k)));
        RequestToken = antiforgery.GetAndStoreTokens(HttpContext).RequestToken ?? "";
        // The camera is this page's only: every other page keeps the design library's camera=().
        Response.Headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()";
        Response.Headers.CacheControl = "no-cache, private";
        return Page();
    }
}
