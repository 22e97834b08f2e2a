using System.Text.Json;
using Forum.Api.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Forum.Api.Notifications;

public enum MailState
{
    Waiting,
    Sent,
    Dead,

    /// <summary>Never sent: its recipient's personal data was erased, or the address is undeliverable.</summary>
    Dropped,
}

/// <summary>
/// A mail to send: SendGrid's request body sealed with the recipient's personal key (so an erasure reaches queued and
/// sent mails alike), what caused it (unique: a cause yields its mail once), and where it stands.
/// </summary>
public sealed record OutboxMail(
    Guid Id,
    string Cause,
    string ConferenceSlug,
    Guid? DelegationId,
    string Kind,
    Sealed Mail,
    MailState State,
    int Attempts,
    DateTimeOffset DueAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt = null,
    string? ProviderMessageId = null,
    string? LastError = null)
{
    /// <summary>Claimed from a dispatcher that died with its lease still running: it may have been sending this one.</summary>
    public bool TakenOver { get; init; }
}

/// <summary>
/// The outbox table. Rows are written by the projection that produces mails, in its transaction; a dispatcher claims
/// due rows with a lease (FOR UPDATE SKIP LOCKED), so that two processes never send the same message at once, and
/// marks each as its answer says. A row is due again when its claimer's presence lock is gone (its process died) or its
/// lease expired.
/// </summary>
public sealed class MailOutbox(NpgsqlDataSource dataSource, EventStore.EventStore store)
{
    private static readonly JsonSerializerOptions JsonOptions = Json.CreateOptions();
    private readonly string s = EventStore.Schema.Quote(store.SchemaName);

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>The channel notified when mails are added (at the writer's commit), on which dispatching processes listen.</summary>
    public string WakeChannel { get; } = $"forum_mail_{store.SchemaName}";

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.mail_outbox (
            id                  uuid        PRIMARY KEY,
            cause               text        NOT NULL UNIQUE,
            conference_slug     text        NOT NULL,
            delegation_id       uuid,
            kind                text        NOT NULL,
            mail                jsonb       NOT NULL,
            state               text        NOT NULL DEFAULT 'Waiting',
            attempts            integer     NOT NULL DEFAULT 0,
            due_at              timestamptz NOT NULL,
            lease_until         timestamptz,
            leased_by           text,
            provider_message_id text,
            last_error          text,
            created_at          timestamptz NOT NULL,
            sent_at             timestamptz
        );
        CREATE INDEX mail_outbox_due ON {s}.mail_outbox (due_at) WHERE state = 'Waiting';
        CREATE INDEX mail_outbox_conference ON {s}.mail_outbox (conference_slug, state, created_at);
        CREATE INDEX mail_outbox_delegation ON {s}.mail_outbox (delegation_id, created_at);
        """,
        // Dead mails are few: counted for every metrics scrape without reading the sent ones.
        "CREATE INDEX mail_outbox_dead ON {s}.mail_outbox (created_at) WHERE state = 'Dead';",
        // The claimer's presence key (see DispatcherPresence): a claim whose key is no longer held is due again at once.
        // Mails due at the same instant (those of one transaction) are claimed in the order they were added, so that
        // the claims of a dispatcher that died, being the oldest, are the next ones taken.
        """
        ALTER TABLE {s}.mail_outbox ADD COLUMN leased_by_presence integer;
        ALTER TABLE {s}.mail_outbox ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
        DROP INDEX {s}.mail_outbox_due;
        CREATE INDEX mail_outbox_due ON {s}.mail_outbox (due_at, seq) WHERE state = 'Waiting';
        """,
    ];

    /// <summary>
    /// Migrations added later, applied after those of the webhook, the opt-outs and the digests (a component's list only
    /// grows at its end).
    /// </summary>
    public static readonly string[] LaterMigrations =
    [
        // Repairs a database made before the dead-mail index and the presence columns were put in the middle of the
        // component's list: it had run the opt-outs' and the digests' migrations under the numbers they then took (made
        // idempotent for it), and never these two. Nothing to do for a database made since.
        """
        CREATE INDEX IF NOT EXISTS mail_outbox_dead ON {s}.mail_outbox (created_at) WHERE state = 'Dead';
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = '{s}.mail_outbox'::regclass AND attname = 'seq' AND NOT attisdropped) THEN
                ALTER TABLE {s}.mail_outbox ADD COLUMN leased_by_presence integer;
                ALTER TABLE {s}.mail_outbox ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
                DROP INDEX {s}.mail_outbox_due;
                CREATE INDEX mail_outbox_due ON {s}.mail_outbox (due_at, seq) WHERE state = 'Waiting';
            END IF;
        END $$;
        """,
        // The claim walks the due index in its order and stops after $2 rows. As a plain statement its plan followed the
        // statistics: a table whose waiting rows looked few (a fresh one, or one of mostly sent mails, as any outbox after
        // a while) got a bitmap scan of every waiting row and a sort, per claim, so that a burst of n mails read about
        // n * n / 64 rows (10,000 mails: 840,000 rows read, 140 µs of PostgreSQL per mail). A function's SET settings
        // hold for its statement only, and leave the ordered index walk as the one plan.
        // A leased row is free when its lease ran out or when its claimer's presence lock is gone (its session ended:
        // the process died). The live keys are read once per claim from the lock table (an uncorrelated subquery).
        """
        CREATE FUNCTION {s}.claim_mail(p_owner text, p_max integer, p_lease interval, p_conference text, p_presence integer, p_space bigint)
        RETURNS TABLE (id uuid, cause text, conference_slug text, delegation_id uuid, kind text, mail text, state text, attempts integer,
                       due_at timestamptz, created_at timestamptz, sent_at timestamptz, provider_message_id text, last_error text, taken_over boolean)
        LANGUAGE plpgsql SET enable_bitmapscan = off SET enable_seqscan = off SET enable_sort = off AS $$
        #variable_conflict use_column
        BEGIN
            -- PL/pgSQL keeps the statement's plan for the session (an SQL function planned it at every call).
            RETURN QUERY
            UPDATE {s}.mail_outbox o SET lease_until = now() + p_lease, leased_by = p_owner, leased_by_presence = p_presence, attempts = o.attempts + 1
            FROM (SELECT d.id, d.lease_until AS prior_lease FROM {s}.mail_outbox d
                  WHERE d.state = 'Waiting' AND d.due_at <= now()
                      AND (d.lease_until IS NULL OR d.lease_until < now() OR d.leased_by_presence <> ALL (ARRAY(
                          SELECT l.objid::bigint FROM pg_locks l
                          WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted AND l.classid::bigint = p_space
                              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))))
                      AND (p_conference IS NULL OR d.conference_slug = p_conference)
                  ORDER BY d.due_at, d.seq LIMIT p_max FOR UPDATE SKIP LOCKED) due
            WHERE o.id = due.id
            RETURNING o.id, o.cause, o.conference_slug, o.delegation_id, o.kind, o.mail::text, o.state, o.attempts, o.due_at, o.created_at,
                o.sent_at, o.provider_message_id, o.last_error, coalesce(due.prior_lease >= now(), false);
        END
        $$;
        """,
        // A claim changes only unindexed columns: with room left on each page its new row version stays there (a HOT
        // update), without new entries in the table's six indexes.
        "ALTER TABLE {s}.mail_outbox SET (fillfactor = 50);",
    ];

    /// <summary>The first key of this schema's dispatchers' presence locks (the two-key form, apart from other locks).</summary>
    private readonly int presenceSpace = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{store.SchemaName}/mail-dispatchers")));

    /// <summary>Takes the presence lock of <paramref name="key"/> on <paramref name="connection"/>; false when another session holds it.</summary>
    public async Task<bool> TryHoldPresenceAsync(NpgsqlConnection connection, int key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = presenceSpace });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task ReleasePresenceAsync(NpgsqlConnection connection, int key)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = presenceSpace });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        await cmd.ExecuteScalarAsync(CancellationToken.None);
    }

    /// <summary>Mails waiting to be sent (due or not) and mails dead after their last attempt, in one query over two partial indexes.</summary>
    public async Task<(long Waiting, long Dead)> DepthAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT (SELECT count(*) FROM {s}.mail_outbox WHERE state = 'Waiting'), (SELECT count(*) FROM {s}.mail_outbox WHERE state = 'Dead')");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Adds mails in the caller's transaction, due at once; a cause already there is skipped (a replay yields nothing
    /// twice). The outbox keeps the database's clock (claims compare with its now()), so it stamps them with it. When
    /// any was added, the same statement notifies <see cref="WakeChannel"/>, which PostgreSQL delivers at commit, so
    /// that dispatchers start at once (and all of them) rather than at the next firing of mail-dispatch.
    /// </summary>
    public async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyCollection<OutboxMail> mails, CancellationToken ct)
    {
        if (mails.Count == 0)
        {
            return;
        }

        await using var cmd = new NpgsqlCommand(
            $"""
            WITH added AS (
                INSERT INTO {s}.mail_outbox (id, cause, conference_slug, delegation_id, kind, mail, due_at, created_at)
                SELECT id, cause, slug, delegation, kind, mail, now(), now()
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[]) AS m(id, cause, slug, delegation, kind, mail)
                ON CONFLICT (cause) DO NOTHING
                RETURNING 1)
            SELECT pg_notify($7, '') WHERE EXISTS (SELECT FROM added)
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = mails.Select(m => m.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = mails.Select(m => m.Cause).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = mails.Select(m => m.ConferenceSlug).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = mails.Select(m => (object?)m.DelegationId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = mails.Select(m => m.Kind).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = mails.Select(m => JsonSerializer.Serialize(m.Mail, JsonOptions)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = WakeChannel });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Wakes the dispatchers of every process (a backlog one process found, which the others can share).</summary>
    public async Task WakeAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT pg_notify($1, '')");
        cmd.Parameters.Add(new NpgsqlParameter { Value = WakeChannel });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Of the given causes, those that already have their mail.</summary>
    public async Task<IReadOnlySet<string>> ExistingCausesAsync(IEnumerable<string> causes, CancellationToken ct)
    {
        var wanted = causes.Distinct(StringComparer.Ordinal).ToArray();
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (wanted.Length == 0)
        {
            return found;
        }

        await using var cmd = dataSource.CreateCommand($"SELECT cause FROM {s}.mail_outbox WHERE cause = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = wanted, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    /// <summary>A delegation's mails, oldest first, with the last delivery event SendGrid reported for each.</summary>
    public async Task<IReadOnlyList<(OutboxMail Mail, string? Delivery)>> ListByDelegationAsync(Guid delegationId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT {Columns("o")},
                   (SELECT e.event FROM {s}.mail_events e WHERE e.message_id = o.id ORDER BY e.occurred_at DESC NULLS LAST, e.received_at DESC LIMIT 1)
            FROM {s}.mail_outbox o WHERE o.delegation_id = $1 ORDER BY o.created_at, o.id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = delegationId });
        var mails = new List<(OutboxMail, string?)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            mails.Add((Read(reader), reader.IsDBNull(13) ? null : reader.GetString(13)));
        }

        return mails;
    }

    /// <summary>
    /// Up to <paramref name="max"/> due mails (of one conference when <paramref name="conference"/> is given), leased to
    /// <paramref name="owner"/> until the lease ends, their attempt counted.
    /// </summary>
    public async Task<IReadOnlyList<OutboxMail>> ClaimAsync(
        string owner, int presence, int max, TimeSpan lease, CancellationToken ct, string? conference = null, NpgsqlConnection? connection = null)
    {
        // The claim is a function of the schema (LaterMigrations): see there why.
        await using var cmd = Command($"SELECT * FROM {s}.claim_mail($1, $2, $3, $4, $5, $6)", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = max });
        cmd.Parameters.Add(new NpgsqlParameter { Value = lease });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)conference ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = presence });
        // pg_locks shows the lock's first key as an unsigned oid.
        cmd.Parameters.Add(new NpgsqlParameter { Value = (long)(uint)presenceSpace });
        return await ReadAsync(cmd, ct, reader => Read(reader) with { TakenOver = !reader.IsDBNull(13) && reader.GetBoolean(13) });
    }

    // The statements on many leased mails find them by id alone: a mail is leased only while it waits (the claim takes
    // waiting ones; every change of state ends the lease), so "leased by this owner" says "waiting" too. Saying so in
    // the WHERE clause would let the planner read them through the waiting rows' index, which the statistics may think
    // small when a burst has filled it: every waiting row read for each batch marked.

    /// <summary>
    /// Extends the lease of those of <paramref name="ids"/> this owner still holds and has not settled; returns the ids
    /// renewed (a missing one was lost: its lease ran out and another owner may have it).
    /// </summary>
    public async Task<IReadOnlySet<Guid>> RenewAsync(IReadOnlyCollection<Guid> ids, string owner, TimeSpan lease, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            UPDATE {s}.mail_outbox SET lease_until = now() + $3
            WHERE id = ANY($1) AND leased_by = $2
            RETURNING id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = lease });
        var renewed = new HashSet<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            renewed.Add(reader.GetGuid(0));
        }

        return renewed;
    }

    /// <summary>Gives leased mails back untried (the process is stopping before it sent them): due at once, the attempt uncounted.</summary>
    public async Task ReleaseAsync(IReadOnlyCollection<Guid> ids, string owner, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            UPDATE {s}.mail_outbox SET lease_until = NULL, leased_by = NULL, leased_by_presence = NULL, attempts = attempts - 1
            WHERE id = ANY($1) AND leased_by = $2
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Marks many leased mails sent in one statement, each with SendGrid's id (only those this owner still holds).</summary>
    public async Task SentAsync(IReadOnlyCollection<(Guid Id, string? ProviderMessageId)> sent, string owner, CancellationToken ct, NpgsqlConnection? connection = null)
    {
        await using var cmd = Command(
            $"""
            UPDATE {s}.mail_outbox o SET state = 'Sent', provider_message_id = m.provider_message_id, sent_at = now(), lease_until = NULL, leased_by = NULL, leased_by_presence = NULL
            FROM unnest($1::uuid[], $2::text[]) AS m (id, provider_message_id)
            WHERE o.id = m.id AND o.leased_by = $3
            """,
            connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sent.Select(m => m.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = sent.Select(m => (object?)m.ProviderMessageId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Marks a leased mail sent (only while this owner holds it, so a late owner cannot undo another's work).</summary>
    public Task SentAsync(Guid id, string owner, string? providerMessageId, CancellationToken ct) =>
        SettleAsync(id, owner, MailState.Sent, null, providerMessageId, ct);

    /// <summary>Gives a leased mail back, due again at <paramref name="dueAt"/>; <paramref name="uncount"/> when this was no real attempt (a rate limit).</summary>
    public async Task LaterAsync(Guid id, string owner, DateTimeOffset dueAt, string? error, bool uncount, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            UPDATE {s}.mail_outbox SET due_at = $3, last_error = coalesce($4, last_error), lease_until = NULL, leased_by = NULL, leased_by_presence = NULL,
                attempts = attempts - CASE WHEN $5 THEN 1 ELSE 0 END
            WHERE id = $1 AND leased_by = $2 AND state = 'Waiting'
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = dueAt });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = uncount });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public Task DeadAsync(Guid id, string owner, string error, CancellationToken ct) => SettleAsync(id, owner, MailState.Dead, error, null, ct);

    public Task DroppedAsync(Guid id, string owner, string why, CancellationToken ct) => SettleAsync(id, owner, MailState.Dropped, why, null, ct);

    private async Task SettleAsync(Guid id, string owner, MailState state, string? error, string? providerMessageId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            UPDATE {s}.mail_outbox SET state = $3, last_error = coalesce($4, last_error), provider_message_id = $5,
                sent_at = CASE WHEN $3 = 'Sent' THEN now() ELSE sent_at END, lease_until = NULL, leased_by = NULL, leased_by_presence = NULL
            WHERE id = $1 AND leased_by = $2 AND state = 'Waiting'
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = state.ToString() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)providerMessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A dead mail made due again, from its first attempt (organisers retry after fixing the cause).</summary>
    public async Task<bool> RetryAsync(string slug, Guid id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"UPDATE {s}.mail_outbox SET state = 'Waiting', attempts = 0, due_at = now() WHERE id = $1 AND conference_slug = $2 AND state = 'Dead'");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = slug });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<IReadOnlyList<OutboxMail>> ListAsync(string slug, MailState? state, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns("o")} FROM {s}.mail_outbox o WHERE conference_slug = $1 AND ($2::text IS NULL OR state = $2) ORDER BY created_at, id");
        cmd.Parameters.Add(new NpgsqlParameter { Value = slug });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)state?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>A command on the pool, or on the caller's connection (and in its transaction, if one is open).</summary>
    private NpgsqlCommand Command(string sql, NpgsqlConnection? connection) =>
        connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);

    private static string Columns(string o) =>
        $"{o}.id, {o}.cause, {o}.conference_slug, {o}.delegation_id, {o}.kind, {o}.mail::text, {o}.state, {o}.attempts, {o}.due_at, {o}.created_at, {o}.sent_at, {o}.provider_message_id, {o}.last_error";

    private static async Task<IReadOnlyList<OutboxMail>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct, Func<NpgsqlDataReader, OutboxMail>? read = null)
    {
        var mails = new List<OutboxMail>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            mails.Add((read ?? Read)(reader));
        }

        return mails;
    }

    private static OutboxMail Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.GetString(4),
        JsonSerializer.Deserialize<Sealed>(reader.GetString(5), JsonOptions)!, Enum.Parse<MailState>(reader.GetString(6)), reader.GetInt32(7),
        reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12));

}
