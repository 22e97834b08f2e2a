using Forum.Design.Api;

namespace Forum.Design.Forms;

/// <summary>
/// The API's problem as a form's errors: each field the API names (venue.city, members[1].email) lands on its input
/// through the page's map; a refusal of the whole request lands on the field that can fix it (<paramref name="codeFields"/>),
/// in the page's words for its code (<c>Problem_room_double_booked</c>, with the conflicting session, the person and
/// the room's capacity as {0}, {1}, {2}) or, lacking them, the API's own detail.
/// </summary>
public static class ProblemFields
{
    public static IReadOnlyList<FieldError> ToFields(
        Problem problem,
        IReadOnlyDictionary<string, string> fields,
        Func<string, string?> words,
        IReadOnlyDictionary<string, string>? codeFields = null)
    {
        if (problem.Errors is { Count: > 0 } errors)
        {
            return errors
                .Select(e => new FieldError(fields.TryGetValue(e.Key, out var id) ? id : "", words("Field_" + e.Key) ?? string.Join(' ', e.Value)))
                .DistinctBy(e => e.FieldId)
                .OrderBy(e => fields.Values.ToList().IndexOf(e.FieldId))
                .ToList();
        }

        var field = problem.Code is { } code && codeFields is not null && codeFields.TryGetValue(code, out var f) ? f : "";
        var conflicting = problem.ConflictingSession;
        var text = (problem.Code is null ? null : words("Problem_" + problem.Code)) is { } template
            ? template.Replace("{0}", conflicting is null ? "" : $"“{conflicting.Title}” ({conflicting.Start[^5..]}–{conflicting.End[^5..]})", StringComparison.Ordinal)
                .Replace("{1}", problem.Person ?? "", StringComparison.Ordinal)
                .Replace("{2}", problem.RoomCapacity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal)
            : problem.Detail ?? words("Problem_unexpected") ?? problem.Title ?? "";
        return [new FieldError(field, text)];
    }
}
