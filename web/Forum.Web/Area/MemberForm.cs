using Forum.Web.Api;

namespace Forum.Web.Area;

/// <summary>A member as typed in the add or replace form, with the delegation's version the form was shown at.</summary>
public sealed class MemberForm
{
    public string? Name { get; set; }

    public string? Function { get; set; }

    public string? Rank { get; set; }

    public string? Email { get; set; }

    public bool IsHead { get; set; }

    public bool FullPowers { get; set; }

    public long Version { get; set; }

    public MemberRequest ToRequest() =>
        new(Name, Function, string.IsNullOrEmpty(Rank) ? null : Rank, Email, IsHead, FullPowers);
}
