namespace Forum.Design.Forms;

/// <summary>One error as the page shows it: in the summary (linking to the field) and beside the field.</summary>
public sealed record FieldError(string FieldId, string Message);
