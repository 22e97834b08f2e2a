using System.Globalization;
using Forum.Staff.Api;
using Microsoft.AspNetCore.Mvc;

namespace Forum.Staff.Pages.Protocol;

/// <summary>
/// The members awaiting a decision, oldest first, with a bulk approval of those selected. Each is approved against its
/// delegation's version as the page showed it (If-Match); every member the API refuses is listed with the reason, the
/// others are decided.
/// </summary>
public sealed class QueueModel(StaffApi api) : ProtocolPageModel(api)
{
    public IReadOnlyList<QueuedMember> Queue { get; private set; } = [];

    public IReadOnlyList<string> Approved { get; private set; } = [];

    public IReadOnlyList<(string Who, string Why)> Refused { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        Queue = (await Api.AccreditationQueueAsync(slug, ct)).Value ?? [];
        return Page();
    }

    public async Task<IActionResult> OnPostApproveAsync(string slug, string[]? selected, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return NotFound();
        }

        var picks = (selected ?? []).Select(Pick.Parse).OfType<Pick>().ToList();
        if (picks.Count == 0)
        {
            Errors = [new FieldError("", Word("PrSelectNone"))];
            Queue = (await Api.AccreditationQueueAsync(slug, ct)).Value ?? [];
            return Page();
        }

        // Names as the page showed them, to say who was approved or refused.
        var shown = ((await Api.AccreditationQueueAsync(slug, ct)).Value ?? []).ToDictionary(q => q.MemberId);
        var versions = new Dictionary<Guid, long>();
        var approved = new List<string>();
        var refused = new List<(string, string)>();
        foreach (var pick in picks)
        {
            var version = versions.GetValueOrDefault(pick.DelegationId, pick.Version);
            var answer = await Api.DecideAccreditationAsync(pick.DelegationId, pick.MemberId, "approve", null, version, ct);
            if (answer.Stale)
            {
                // The delegation changed since the page was shown (another member added, a place moved up): if this
                // member still awaits a decision, approving is what the officer chose; otherwise the officer must look again.
                var now = await Api.DelegationAsync(pick.DelegationId, ct);
                var member = now.Value?.Members.FirstOrDefault(m => m.Id == pick.MemberId);
                if (member is { Accreditation.Status: not "Pending" })
                {
                    refused.Add((Who(pick, shown, now.Value), Localisation.Text.Get("PrAlreadyDecided", Lang).Replace("{0}", Word("PrAccreditation_" + member.Accreditation.Status), StringComparison.Ordinal)));
                    continue;
                }

                if (now.Version is { } fresh)
                {
                    answer = await Api.DecideAccreditationAsync(pick.DelegationId, pick.MemberId, "approve", null, fresh, ct);
                }
            }

            if (answer.Ok)
            {
                versions[pick.DelegationId] = answer.Version ?? answer.Value!.Version;
                approved.Add(Who(pick, shown, answer.Value));
            }
            else
            {
                var delegation = shown.ContainsKey(pick.MemberId) ? null : (await Api.DelegationAsync(pick.DelegationId, ct)).Value;
                refused.Add((Who(pick, shown, delegation), ProblemFields.ToFields(answer.Problem!, new Dictionary<string, string>(), Words)[0].Message));
            }
        }

        Approved = approved;
        Refused = refused;
        Queue = (await Api.AccreditationQueueAsync(slug, ct)).Value ?? [];
        return Page();
    }

    private string Who(Pick pick, Dictionary<Guid, QueuedMember> shown, DelegationDetails? delegation)
    {
        if (shown.TryGetValue(pick.MemberId, out var q))
        {
            return $"{(q.Erased ? Word("PrErased") : q.Name)} ({q.Party.Name})";
        }

        var member = delegation?.Members.FirstOrDefault(m => m.Id == pick.MemberId);
        return member is null ? Word("PrSomeMember") : $"{(member.Erased ? Word("PrErased") : member.Name)} ({delegation!.Party.Name})";
    }

    /// <summary>A checkbox's value: the delegation, the member, and the delegation's version the page showed.</summary>
    private sealed record Pick(Guid DelegationId, Guid MemberId, long Version)
    {
        public static Pick? Parse(string value) =>
            value.Split(':') is [var d, var m, var v] && Guid.TryParse(d, out var delegation) && Guid.TryParse(m, out var member)
                && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
                ? new Pick(delegation, member, version)
                : null;
    }
}
