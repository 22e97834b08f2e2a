using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>The list of participants in protocol order, printable, and its CSV with or without the e-mail addresses.</summary>
public sealed class ParticipantsModel(StaffApi api) : ProtocolPageModel(api)
{
    public IReadOnlyList<Participant> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct) || await Api.ParticipantsAsync(slug, ct) is not { } rows)
        {
            return NotFound();
        }

        Rows = rows;
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    /// <summary>The API's CSV, passed on as it is; without e-mail addresses unless asked for.</summary>
    public async Task<IActionResult> OnGetCsvAsync(string slug, bool emails, CancellationToken ct)
    {
        if (await Api.ParticipantsCsvAsync(slug, emails, ct) is not { } file)
        {
            return NotFound();
        }

        Response.Headers.CacheControl = "no-store";
        var name = file.FileName ?? $"participants-{slug}.csv";
        return File(file.Content, file.ContentType, emails ? name.Replace(".csv", "-with-emails.csv", StringComparison.Ordinal) : name);
    }
}
