using System.Buffers.Text;
using System.Data;
using System.Text;
using System.Text.RegularExpressions;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Forum.EventStore;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Api.Venues;

/// <summary>One participant as an offline scanner keeps it: who the badge's holder is and the serial its code must carry.</summary>
public sealed record RosterMember(Guid MemberId, Guid DelegationId, string Name, string Party, PartyKind PartyKind, string Role, int Serial);

/// <summary>A check-in, or a scan that admitted an already checked-in member again (Duplicate), as every gate learns it.</summary>
public sealed record RosterCheckIn(Guid MemberId, string? ScanId, Instant ScannedAt, string? Gate, bool Duplicate, string? Reason = null);

/// <summary>
/// What a scanner pulls. Full: Members replace the device's roster; otherwise they are added or updated. Removed: members
/// who stopped being participants or were erased (their names must leave the device). CheckIns: made since the cursor.
/// </summary>
public sealed record RosterView(string Cursor, bool Full, IReadOnlyList<RosterMember> Members, IReadOnlyList<Guid> Removed, IReadOnlyList<RosterCheckIn> CheckIns);

/// <summary>
/// A roster cursor: the PostgreSQL snapshot (pg_snapshot, "xmin:xmax:xip,...") the answer was read in. Every event
/// is written with its transaction's id (tx_id), and a snapshot says exactly which transactions it saw, so the next
/// pull reads the events its own snapshot sees and the cursor's did not: a transaction still running at the first pull
/// (in any process, whatever its position) is seen by the next one, and no event is sent twice or skipped.
/// </summary>
public static partial class RosterCursor
{
    private const string Version = "1.";

    /// <summary>Transactions running at once that a cursor may name; more is not a cursor this API wrote.</summary>
    private const int MaxRunning = 100_000;

    public static string Format(string snapshot) => Version + Base64Url.EncodeToString(Encoding.ASCII.GetBytes(snapshot));

    /// <summary>The snapshot and its xmin (every transaction below it had ended), or a 400 problem (invalid_cursor).</summary>
    public static (string Snapshot, long Xmin) Parse(string cursor)
    {
        if (cursor.StartsWith(Version, StringComparison.Ordinal) && cursor.Length < 4 * MaxRunning)
        {
            var text = cursor.AsSpan(Version.Length);
            var bytes = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
            // Only the spelling this API writes (re-encoded, the same text): padding, spaces and stray bits are refused.
            if (Base64Url.IsValid(text) && Base64Url.TryDecodeFromChars(text, bytes, out var written)
                && text.SequenceEqual(Base64Url.EncodeToString(bytes.AsSpan(0, written))))
            {
                var snapshot = Encoding.ASCII.GetString(bytes, 0, written);
                var match = SnapshotText().Match(snapshot);
                if (match.Success
                    && long.TryParse(match.Groups[1].ValueSpan, out var xmin) && long.TryParse(match.Groups[2].ValueSpan, out var xmax) && xmin > 0 && xmin <= xmax)
                {
                    var running = match.Groups[3].Success ? match.Groups[3].Value.Split(',') : [];
                    var previous = xmin - 1;
                    var ordered = running.All(r => long.TryParse(r, out var x) && x > previous && x < xmax && (previous = x) == x);
                    if (ordered && running.Length <= MaxRunning)
                    {
                        return (snapshot, xmin);
                    }
                }
            }
        }

        throw new ProblemException(
            StatusCodes.Status400BadRequest, "invalid_cursor", "Invalid cursor", "Pass as since the cursor of an earlier answer, unchanged, or leave it out for the whole roster.");
    }

    [GeneratedRegex(@"^([0-9]{1,19}):([0-9]{1,19}):(?:([0-9]{1,19}(?:,[0-9]{1,19})*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex SnapshotText();
}

/// <summary>
/// Reads the roster of a conference for offline scanners, every read in one REPEATABLE READ transaction so that the
/// documents, the events since the cursor and the new cursor (its snapshot) agree exactly.
/// </summary>
public sealed class CheckInRoster(EventStore.EventStore store, PersonalDataVault vault)
{
    private readonly string s = Schema.Quote(store.SchemaName);

    public async Task<RosterView> ReadAsync(string slug, (string Snapshot, long Xmin)? cursor, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var cmd = new NpgsqlCommand("SELECT pg_current_snapshot()::text", connection, tx))
        {
            // The transaction's snapshot is taken by this, its first statement, and every later read uses it.
            snapshot = (string)(await cmd.ExecuteScalarAsync(ct))!;
        }

        var delegations = ProtocolOrder.ByParty(
            await store.Documents.ListAsync<DelegationDocument>(DelegationProjection.ProjectionName, DelegationDocument.Prefix(slug), connection, ct),
            d => d.State.Party).Select(d => d.State).ToList();
        var serials = await store.Documents.LoadManyAsync(
            delegations.SelectMany(d => d.Members).Select(m => (VenueProjection.ProjectionName, BadgeSerial.DocumentId(m.Id), typeof(BadgeSerial))).ToList(),
            connection: connection,
            ct: ct);

        IEnumerable<(Delegation Delegation, Member Member)> candidates;
        var removed = new List<Guid>();
        List<RosterCheckIn> checkIns;
        if (cursor is not { } from)
        {
            candidates = delegations.SelectMany(d => d.Members.Select(m => (d, m)));
            checkIns = [
                .. (await store.Documents.ListAsync<CheckInRecord>(VenueProjection.ProjectionName, CheckInRecord.Prefix(slug), connection, ct))
                    .Select(c => new RosterCheckIn(c.MemberId, c.ScanId, c.ScannedAt, c.Gate, false, c.Reason)),
                .. (await store.Documents.ListAsync<AdmittedAgainRecord>(VenueProjection.ProjectionName, AdmittedAgainRecord.Prefix(slug), connection, ct))
                    .Select(c => new RosterCheckIn(c.MemberId, c.ScanId, c.ScannedAt, c.Gate, true, c.Reason)),
            ];
        }
        else
        {
            // The conference's streams: its delegations', and each of their members' badge and check-in streams.
            var streams = delegations.Select(d => Delegation.StreamId(d.Id))
                .Concat(delegations.SelectMany(d => d.Members).SelectMany(m => new[] { Badge.StreamId(m.Id), CheckInState.StreamId(m.Id) }))
                .ToArray();
            var changed = await ChangedSinceAsync(connection, from, streams, ct);
            var changedDelegations = changed.Where(e => e.StreamId.StartsWith("delegation-", StringComparison.Ordinal)).Select(e => e.StreamId).ToHashSet();
            var changedBadges = changed.Select(e => e.Data).OfType<BadgeIssued>().Select(b => b.MemberId)
                .Concat(changed.Select(e => e.Data).OfType<BadgeReissued>().Select(b => b.MemberId)).ToHashSet();
            candidates = delegations.SelectMany(d => d.Members
                .Where(m => changedDelegations.Contains(Delegation.StreamId(d.Id)) || changedBadges.Contains(m.Id))
                .Select(m => (d, m)));
            checkIns = changed.Select(e => e.Data switch
            {
                MemberCheckedIn c => new RosterCheckIn(c.MemberId, c.ScanId, c.ScannedAt, c.Gate, false, c.Reason),
                MemberAdmittedAgain a => new RosterCheckIn(a.MemberId, a.ScanId, a.ScannedAt, a.Gate, true, a.Reason),
                _ => null,
            }).OfType<RosterCheckIn>().ToList();
        }

        var listed = candidates.ToList();
        var names = await vault.OpenAsync(listed.Select(c => c.Member.Person), ct, connection);
        var members = new List<RosterMember>();
        foreach (var (d, m) in listed.OrderBy(c => c.Member.IsHead ? 0 : 1).ThenBy(c => c.Member.Rank))
        {
            var person = names.Open<PersonalDetails>(m.Person);
            if (person is not null && !m.Erased && Participation.IsParticipant(d, m))
            {
                var serial = serials.TryGetValue((VenueProjection.ProjectionName, BadgeSerial.DocumentId(m.Id)), out var found) ? ((BadgeSerial)found).Serial : 0;
                members.Add(new RosterMember(m.Id, d.Id, person.Name, d.Party.Name, d.Party.Kind, person.Function, serial));
            }
            else if (cursor is not null)
            {
                // Not (or no longer) a participant, or erased: a device that has the member drops it, one that has not ignores it.
                removed.Add(m.Id);
            }
        }

        await tx.CommitAsync(ct);
        return new RosterView(
            RosterCursor.Format(snapshot),
            cursor is null,
            ProtocolOrder.ByParty(members, m => new Party(m.PartyKind, null, m.Party)).ToList(),
            removed,
            checkIns.OrderBy(c => c.ScannedAt).ThenBy(c => c.Duplicate).ThenBy(c => c.MemberId).ThenBy(c => c.ScanId, StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The events of <paramref name="streams"/> that this transaction's snapshot sees and the cursor's did not. Those of
    /// transactions below the cursor's xmin had all ended when it was taken, so only transactions from there on are read.
    /// </summary>
    private async Task<IReadOnlyList<(string StreamId, object Data)>> ChangedSinceAsync(
        NpgsqlConnection connection, (string Snapshot, long Xmin) cursor, string[] streams, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT e.stream_id, e.type, e.data::text FROM {s}.events e
            WHERE e.tx_id >= $1 AND NOT pg_visible_in_snapshot(e.tx_id::text::xid8, $2::pg_snapshot) AND e.stream_id = ANY($3)
            ORDER BY e.tx_id, e.position
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = cursor.Xmin });
        cmd.Parameters.Add(new NpgsqlParameter { Value = cursor.Snapshot });
        cmd.Parameters.Add(new NpgsqlParameter { Value = streams, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var events = new List<(string, object)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add((reader.GetString(0), store.Types.Deserialize(reader.GetString(1), reader.GetString(2)).Data));
        }

        return events;
    }
}
