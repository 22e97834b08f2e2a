using Forum.Api.Agenda;
using Forum.Api.Delegations;
using Forum.Api.Infrastructure;
using Npgsql;
using Quartz;

namespace Forum.Api.Notifications;

/// <summary>
/// A conference's open digest window: the agenda changes from one published version to another, and when the quiet
/// period after the last publication ends. Publications within the quiet period widen the window instead of
/// making mails, so a burst of corrections makes one digest, not a storm.
/// </summary>
public sealed class MailDigests(NpgsqlDataSource dataSource, EventStore.EventStore store, MailNotices notices, TimeProvider time)
{
    private readonly string s = EventStore.Schema.Quote(store.SchemaName);

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS {s}.mail_digests (
            conference_slug  text        PRIMARY KEY,
            from_version     integer     NOT NULL,
            to_version       integer     NOT NULL,
            quiet_until      timestamptz NOT NULL
        );
        """,
    ];

    /// <summary>Called by the mail projection, in its transaction, for each publication after the first.</summary>
    public async Task OpenAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string slug, int version, NodaTime.Instant publishedAt, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            INSERT INTO {s}.mail_digests (conference_slug, from_version, to_version, quiet_until) VALUES ($1, $2 - 1, $2, $3)
            ON CONFLICT (conference_slug) DO UPDATE SET to_version = greatest(mail_digests.to_version, excluded.to_version), quiet_until = excluded.quiet_until
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = slug });
        cmd.Parameters.Add(new NpgsqlParameter { Value = version });
        cmd.Parameters.Add(new NpgsqlParameter { Value = publishedAt.ToDateTimeOffset() + notices.Options.DigestQuietPeriod });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Closes every window whose quiet period is over: one digest per member holding a seat in a session that changed,
    /// enqueued in the transaction that deletes the window, so that a window yields its mails once even when two
    /// processes run the job. Returns how many windows it closed.
    /// </summary>
    public async Task<int> CloseDueAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var windows = new List<(string Slug, int From, int To)>();
        await using (var cmd = new NpgsqlCommand(
            $"SELECT conference_slug, from_version, to_version FROM {s}.mail_digests WHERE quiet_until <= $1 ORDER BY quiet_until LIMIT 20 FOR UPDATE SKIP LOCKED", connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                windows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
            }
        }

        foreach (var (slug, from, to) in windows)
        {
            await notices.EnqueueAsync(connection, tx, await notices.DigestsAsync(slug, from, to, ct), ct);
            await using var delete = new NpgsqlCommand($"DELETE FROM {s}.mail_digests WHERE conference_slug = $1", connection, tx);
            delete.Parameters.Add(new NpgsqlParameter { Value = slug });
            await delete.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return windows.Count;
    }
}

/// <summary>Closes digest windows whose quiet period is over (every minute; a missed run simply runs late).</summary>
[DisallowConcurrentExecution]
public sealed class DigestJob(MailDigests digests) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await digests.CloseDueAsync(cancellationToken);
}
