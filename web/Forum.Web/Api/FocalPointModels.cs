namespace Forum.Web.Api;

// What the focal point's area sends and reads beside its delegation (whose models the design library holds: DelegationModels.cs).

public sealed record SignRequest(Guid DelegationId, Guid? MemberId, string? Place);

public sealed record WithdrawSignatureRequest(string? Reason);

public sealed record WithdrawDelegationRequest(string? Reason);

public sealed record CommitmentProgressRequest(int Number, string? Status, decimal? IndicatorValue, string? Narrative);

public sealed record ReportRequest(Guid DelegationId, int Year, IReadOnlyList<CommitmentProgressRequest> Commitments);

public sealed record CommitmentProgress(int Number, string Status, decimal? IndicatorValue, string Narrative);

/// <summary>A party's report for a year as it stands (each revision replaces the last until the year's deadline).</summary>
public sealed record ReportView(Guid DeclarationId, Guid DelegationId, int Year, int Revision, string ReportedAt, string Deadline, IReadOnlyList<CommitmentProgress> Commitments);

public sealed record SeatsRequest(Guid? SessionId, IReadOnlyList<Guid> MemberIds, bool RequestsFloor);

public sealed record MemberFeed(Guid MemberId, string? Name, CalendarLinks Feed);

public sealed record DelegationFeeds(Guid DelegationId, CalendarLinks Delegation, IReadOnlyList<MemberFeed> Members);

public sealed record AccessToken(string Value);
