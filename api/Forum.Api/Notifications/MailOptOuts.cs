using System.Security.Cryptography;
using System.Text;
using Forum.Api.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Api.Notifications;

/// <summary>
/// Who stopped which list (digests of agenda changes, reminders). The unsubscribe link carries the member, the list
/// and a MAC of both (a key derived from the master key), so that it needs no stored token and cannot be forged for
/// someone else; the opt-out holds in every process at once, since it is read from the table when mails are made.
/// Transactional mails (registration, accreditation, places) have no list and are always sent.
/// </summary>
public sealed class MailOptOuts(NpgsqlDataSource dataSource, EventStore.EventStore store, PersonalDataVault vault)
{
    public const string AgendaChanges = "agenda-changes";
    public const string Reminders = "reminders";
    public static readonly IReadOnlySet<string> Lists = new HashSet<string>(StringComparer.Ordinal) { AgendaChanges, Reminders };

    private readonly byte[] key = vault.DeriveKey("mail-unsubscribe");
    private readonly string s = EventStore.Schema.Quote(store.SchemaName);

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS {s}.mail_opt_outs (
            member_id     uuid        NOT NULL,
            list          text        NOT NULL,
            opted_out_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (member_id, list)
        );
        """,
    ];

    /// <summary>member (32 hex) . list . MAC (base64url of the first 16 bytes of HMAC-SHA256).</summary>
    public string Token(Guid memberId, string list) => $"{memberId:N}.{list}.{Mac(memberId, list)}";

    public (Guid MemberId, string List)? Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || !Guid.TryParseExact(parts[0], "N", out var member) || !Lists.Contains(parts[1]))
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(member, parts[1]));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])) ? (member, parts[1]) : null;
    }

    public async Task OptOutAsync(Guid memberId, string list, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"INSERT INTO {s}.mail_opt_outs (member_id, list) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        cmd.Parameters.Add(new NpgsqlParameter { Value = memberId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = list });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task OptInAsync(Guid memberId, string list, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"DELETE FROM {s}.mail_opt_outs WHERE member_id = $1 AND list = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = memberId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = list });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Of the given members, those who left the list.</summary>
    public async Task<IReadOnlySet<Guid>> OptedOutAsync(IEnumerable<Guid> members, string list, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT member_id FROM {s}.mail_opt_outs WHERE list = $2 AND member_id = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = members.Distinct().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = list });
        var found = new HashSet<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    private string Mac(Guid member, string list) =>
        System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{member:N}.{list}")).AsSpan(0, 16));
}
