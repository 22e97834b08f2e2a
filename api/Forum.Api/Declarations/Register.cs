using CsvHelper;
using Forum.Api.Delegations;
using Forum.Api.Venues;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Declarations;

/// <summary>A signature or accession as the register shows it: who signed, in which function, when and where, and the hash of the text signed; or a withdrawal and its reason.</summary>
public sealed record ActView(string Kind, LocalDate Date, string? Signatory = null, string? Function = null, string? Place = null, string? TextHash = null, string? Reason = null);

/// <summary>
/// One row per party, as treaty depositaries publish the status of a treaty: the signature, the latest accession, the
/// latest withdrawal, where the party stands now, and every act in order.
/// </summary>
public sealed record RegisterRow(PartyRef Party, string Status, ActView? Signature, ActView? Accession, ActView? Withdrawal, IReadOnlyList<ActView> Acts);

/// <summary>A kind of party with its rows; Bound counts those whose last act is not a withdrawal.</summary>
public sealed record RegisterGroup(PartyKind Kind, string Label, int Parties, int Bound, IReadOnlyList<RegisterRow> Rows);

public sealed record RegisterView(Guid DeclarationId, string ConferenceSlug, string Title, string? TextHash, long Version, int Parties, int Bound, IReadOnlyList<RegisterGroup> Groups);

public static class SignatoryRegister
{
    public const string StatusSigned = "Signed";
    public const string StatusAcceded = "Acceded";
    public const string StatusWithdrawn = "Withdrawn";

    public static readonly string[] CsvHeader =
        ["group", "party", "code", "status", "signatory", "function", "signatureDate", "signaturePlace", "accessionDate", "accessionPlace", "withdrawalDate", "withdrawalReason"];

    public static RegisterView Of(Declaration declaration, long version)
    {
        var groups = Enum.GetValues<PartyKind>().OrderBy(ProtocolOrder.KindOrder)
            .Select(kind =>
            {
                var rows = ProtocolOrder.ByParty(declaration.Signatories.Values.Where(s => s.Party.Kind == kind), s => s.Party).Select(Row).ToList();
                return new RegisterGroup(kind, Label(kind), rows.Count, rows.Count(r => r.Status != StatusWithdrawn), rows);
            })
            .Where(g => g.Parties > 0)
            .ToList();
        return new RegisterView(
            declaration.Id, declaration.ConferenceSlug, declaration.Text.Title, declaration.TextHash, version, groups.Sum(g => g.Parties), groups.Sum(g => g.Bound), groups);
    }

    private static RegisterRow Row(Signatory signatory)
    {
        var acts = signatory.Acts.Select(a => a.Kind == SignatoryAct.Withdrawal
            ? new ActView(a.Kind, a.Date, Reason: a.Reason)
            : new ActView(a.Kind, a.Date, a.SignatoryName, a.SignatoryFunction, a.Place, a.TextHash)).ToList();
        var status = signatory.Acts[^1].Kind switch
        {
            SignatoryAct.Withdrawal => StatusWithdrawn,
            SignatoryAct.Accession => StatusAcceded,
            _ => StatusSigned,
        };
        return new RegisterRow(
            PartyRef.Of(signatory.Party), status,
            acts.FirstOrDefault(a => a.Kind == SignatoryAct.Signature),
            acts.LastOrDefault(a => a.Kind == SignatoryAct.Accession),
            acts.LastOrDefault(a => a.Kind == SignatoryAct.Withdrawal),
            acts);
    }

    private static string Label(PartyKind kind) => kind switch
    {
        PartyKind.State => "States",
        PartyKind.InternationalOrganisation => "International organisations",
        PartyKind.Company => "Companies",
        PartyKind.NonGovernmentalOrganisation => "Non-governmental organisations",
        PartyKind.LawEnforcement => "Law-enforcement bodies",
        _ => kind.ToString(),
    };

    /// <summary>RFC 4180, UTF-8 with a byte order mark, one row per party; formula-like texts get a leading apostrophe.</summary>
    public static byte[] Csv(RegisterView register)
    {
        static string Day(ActView? act) => act is null ? "" : LocalDatePattern.Iso.Format(act.Date);
        using var output = new MemoryStream();
        using (var csv = CsvWriter.Create(output, CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            csv.WriteHeader(CsvHeader);
            foreach (var group in register.Groups)
            {
                foreach (var row in group.Rows)
                {
                    // The signatory of the act that bound the party last (the signature, or a later accession).
                    var signer = row.Acts.LastOrDefault(a => a.Kind != SignatoryAct.Withdrawal);
                    csv.WriteRecord(
                    [
                        group.Label, row.Party.Name, row.Party.Code ?? "", row.Status, signer?.Signatory ?? "", signer?.Function ?? "",
                        Day(row.Signature), row.Signature?.Place ?? "", Day(row.Accession), row.Accession?.Place ?? "", Day(row.Withdrawal), row.Withdrawal?.Reason ?? "",
                    ]);
                }
            }
        }

        return output.ToArray();
    }
}
