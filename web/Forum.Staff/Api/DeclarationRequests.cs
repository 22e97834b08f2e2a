using System.Text.Json;

namespace Forum.Staff.Api;

// The organisers' declaration requests and the draft comparison, as api/Forum.Api/Declarations takes and answers them.

public sealed record IndicatorRequest(string? Name, string? Unit);

public sealed record CommitmentRequest(string? Text, IndicatorRequest? Indicator, decimal? YearlyTarget);

/// <summary>A draft: commitments are numbered in this order; the reporting deadline is "MM-dd" of the following year.</summary>
public sealed record DraftDeclarationRequest(string? Title, string? Preamble, IReadOnlyList<CommitmentRequest> Commitments, string? ReportingDeadline);

/// <summary>Opens the adopted text for signature now (no session) or at a signing ceremony of the conference.</summary>
public sealed record OpenForSignatureRequest(Guid? SessionId);

/// <summary>
/// One difference between two drafts: Field is title, preamble, reportingDeadline or commitment (with its Number);
/// Change is Added, Removed or Changed. Before and After are texts, or commitments for a commitment.
/// </summary>
public sealed record DraftChange(string Field, string Change, int? Number, JsonElement? Before, JsonElement? After)
{
    public Commitment? BeforeCommitment => Field == "commitment" && Before is { ValueKind: JsonValueKind.Object } b ? b.Deserialize<Commitment>(WebJson) : null;

    public Commitment? AfterCommitment => Field == "commitment" && After is { ValueKind: JsonValueKind.Object } a ? a.Deserialize<Commitment>(WebJson) : null;

    public string? BeforeText => Before is { ValueKind: JsonValueKind.String } b ? b.GetString() : null;

    public string? AfterText => After is { ValueKind: JsonValueKind.String } a ? a.GetString() : null;

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
}

public sealed record DraftChanges(int From, int To, IReadOnlyList<DraftChange> Changes);
