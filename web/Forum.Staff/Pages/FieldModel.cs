namespace Forum.Staff.Pages;

/// <summary>What the _Field partial draws: a labelled input (or select, or textarea) with its hint and error.</summary>
public sealed record FieldModel(string Id, string Name, string Label, string? Value, string? Error = null, string? Hint = null, string Type = "text", string Width = "")
{
    public IReadOnlyList<(string Value, string Text)>? Options { get; init; }
}
