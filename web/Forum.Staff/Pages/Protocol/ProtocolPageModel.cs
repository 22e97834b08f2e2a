using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Forum.Staff.Pages.Protocol;

/// <summary>What every protocol officers' page loads first: the conference (a 404 for one the person may not see).</summary>
public abstract class ProtocolPageModel(StaffApi api) : PageModel
{
    protected StaffApi Api => api;

    public Conference Conference { get; private set; } = null!;

    public IReadOnlyList<FieldError> Errors { get; protected set; } = [];

    public string? ErrorFor(string id) => Errors.FirstOrDefault(e => e.FieldId == id)?.Message;

    protected async Task<bool> LoadConferenceAsync(string slug, CancellationToken ct)
    {
        if ((await api.ConferenceAsync(slug, ct)).Value is not { } conference)
        {
            return false;
        }

        Conference = conference;
        return true;
    }

    protected Lang Lang => Lang.Of(HttpContext);

    protected string Word(string key) => Localisation.Text.Get(key, Lang);

    protected Func<string, string?> Words => key => Localisation.Text.Find(key, Lang);

    /// <summary>The API's refusal in the page's words: beside <paramref name="field"/> when it names none, a stale page in words of its own.</summary>
    protected IReadOnlyList<FieldError> Refusal(Problem problem, string field, string staleKey = "PrStale") =>
        problem.Status == 412
            ? [new FieldError("", Word(staleKey))]
            : ProblemFields.ToFields(problem, new Dictionary<string, string> { ["reason"] = "reason", ["decision"] = "decision", ["confirmed"] = "confirmed" }, Words, new Dictionary<string, string>
            {
                ["member_not_active"] = field,
                ["delegation_withdrawn"] = field,
                ["full_powers_not_declared"] = field,
                ["not_accredited"] = field,
                ["member_erased"] = field,
            });
}

/// <summary>How a member's state reads on the protocol pages.</summary>
public static class MemberWords
{
    public static string Place(PlaceState place, Localisation.Text t) =>
        place.Status == "Waiting" ? t.Format("PrPlaceWaiting", place.WaitingPosition) : t["PrPlace_" + place.Status];

    public static string FullPowers(DelegationMember m, Localisation.Text t) => !m.HasFullPowers
        ? t["PrFullPowersNone"]
        : m.FullPowers switch
        {
            null => t["PrFullPowersPending"],
            { Confirmed: true } => t["PrFullPowersConfirmed"],
            { Reason: var why } => t["PrFullPowersRefused"] + (why is null ? "" : ": " + why),
        };

    public static string Name(string? name, bool erased, Localisation.Text t) => erased ? t["PrErased"] : name ?? "";
}
