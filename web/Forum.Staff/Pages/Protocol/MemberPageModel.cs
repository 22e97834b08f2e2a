using Forum.Staff.Api;

namespace Forum.Staff.Pages.Protocol;

/// <summary>What every page about one member loads: the conference, the delegation (its version for If-Match) and the member.</summary>
public abstract class MemberPageModel(StaffApi api) : ProtocolPageModel(api)
{
    public DelegationDetails Delegation { get; private set; } = null!;

    public DelegationMember Member { get; private set; } = null!;

    /// <summary>The delegation's version as the page showed it: a change is made against it (If-Match).</summary>
    public long Version { get; private set; }

    /// <summary>A former member: withdrawn, replaced, or of a withdrawn delegation; erasing such a member's data is routine.</summary>
    public bool Former => !Member.Active || Delegation.Status != "Active";

    protected async Task<bool> LoadAsync(string slug, Guid id, Guid memberId, CancellationToken ct)
    {
        if (!await LoadConferenceAsync(slug, ct))
        {
            return false;
        }

        var answer = await Api.DelegationAsync(id, ct);
        if (answer.Value is not { } d || d.ConferenceSlug != Conference.Slug || d.Members.FirstOrDefault(m => m.Id == memberId) is not { } member)
        {
            return false;
        }

        Delegation = d;
        Member = member;
        Version = answer.Version ?? d.Version;
        return true;
    }
}
