using System.Globalization;
using Forum.Web.Api;
using Forum.Web.Localisation;
using Forum.Web.Registration;

namespace Forum.Web.Area;

/// <summary>One commitment as typed in the report form: where the party stands, the indicator's value as typed, what was done.</summary>
public sealed class ReportEntry
{
    public string? Status { get; set; }

    public string? Value { get; set; }

    public string? Narrative { get; set; }
}

/// <summary>
/// The annual report form's rules beside the API's: values are typed as people write them (12.5 or 12,5, spaces
/// between thousands) and sent as numbers; the API's problems land on the field of the commitment they name.
/// </summary>
public static class ReportForm
{
    public static readonly string[] Statuses = ["NotStarted", "InProgress", "Achieved"];

    private static readonly string[] Fields = ["status", "value", "narrative"];

    public static string Id(int index, string field) => $"commitment-{index}-{field}";

    /// <summary>The form as the report stands (a revision starts from it), or empty.</summary>
    public static List<ReportEntry> From(Declaration declaration, ReportView? report, Lang lang) =>
        declaration.Commitments.Select(c => report?.Commitments.FirstOrDefault(r => r.Number == c.Number) is { } r
            ? new ReportEntry { Status = r.Status, Value = r.IndicatorValue is { } v ? Format(v, lang) : null, Narrative = r.Narrative }
            : new ReportEntry()).ToList();

    public static string Format(decimal value, Lang lang)
    {
        var text = value.ToString("0.############", CultureInfo.InvariantCulture);
        return lang.IsFrench ? text.Replace('.', ',') : text;
    }

    /// <summary>A number as typed, or null when empty; false when it is not a number.</summary>
    public static bool TryParse(string? typed, out decimal? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(typed))
        {
            return true;
        }

        var text = new string(typed.Where(ch => !char.IsWhiteSpace(ch)).ToArray()).Replace(',', '.');
        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    /// <summary>The request, or the fields whose values are not numbers (nothing is sent then).</summary>
    public static (ReportRequest? Request, IReadOnlyList<FieldError> Errors) ToRequest(Guid delegationId, int year, Declaration declaration, IReadOnlyList<ReportEntry> entries, Lang lang)
    {
        var errors = new List<FieldError>();
        var commitments = new List<CommitmentProgressRequest>();
        foreach (var (c, i) in declaration.Commitments.Select((c, i) => (c, i)))
        {
            var entry = i < entries.Count ? entries[i] : new ReportEntry();
            decimal? value = null;
            if (c.Indicator is not null && !TryParse(entry.Value, out value))
            {
                errors.Add(new FieldError(Id(i, "value"), Message("AreaErrorReportValueNumber", c.Number, lang)));
            }

            commitments.Add(new CommitmentProgressRequest(c.Number, string.IsNullOrEmpty(entry.Status) ? null : entry.Status, value, entry.Narrative));
        }

        return errors.Count > 0 ? (null, errors) : (new ReportRequest(delegationId, year, commitments), []);
    }

    public static IReadOnlyList<FieldError> Errors(Problem problem, Declaration declaration, int year, Lang lang)
    {
        if (problem.Errors is { Count: > 0 } errors)
        {
            var list = new List<FieldError>();
            foreach (var field in errors.Keys)
            {
                var match = System.Text.RegularExpressions.Regex.Match(field, @"^commitments\[(\d+)\]\.(status|indicatorValue|narrative)$");
                var index = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
                var error = index >= 0 && index < declaration.Commitments.Count
                    ? match.Groups[2].Value switch
                    {
                        "status" => new FieldError(Id(index, "status"), Message("AreaErrorReportStatus", declaration.Commitments[index].Number, lang)),
                        "indicatorValue" => new FieldError(Id(index, "value"), Message("AreaErrorReportValue", declaration.Commitments[index].Number, lang)),
                        _ => new FieldError(Id(index, "narrative"), Message("AreaErrorReportNarrative", declaration.Commitments[index].Number, lang)),
                    }
                    : new FieldError("", Text.Get("AreaErrorUnexpected", lang));
                if (!list.Exists(e => e.FieldId == error.FieldId))
                {
                    list.Add(error);
                }
            }

            // In the order of the page: commitment by commitment, status, value, narrative.
            return [.. list.OrderBy(e => e.FieldId.Length == 0 ? int.MaxValue : Order(e.FieldId))];
        }

        string T(string key) => Text.Get(key, lang).Replace("{0}", year.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return problem.Code switch
        {
            "reporting_closed" => [new FieldError("", T("AreaErrorReportingClosed"))],
            "not_a_signatory" => [new FieldError("", T("AreaErrorNotASignatory"))],
            "year_out_of_range" => [new FieldError("", T("AreaErrorYearOutOfRange"))],
            "delegation_not_in_series" => [new FieldError("", T("AreaErrorNotInSeries"))],
            _ => [new FieldError("", T("AreaErrorUnexpected"))],
        };
    }

    private static int Order(string id)
    {
        var parts = id.Split('-');
        var field = Array.IndexOf(Fields, parts[2]);
        return (int.Parse(parts[1], CultureInfo.InvariantCulture) * 3) + field;
    }

    private static string Message(string key, int number, Lang lang) =>
        Text.Get(key, lang).Replace("{0}", number.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
