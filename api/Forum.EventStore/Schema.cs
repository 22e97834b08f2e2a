using Npgsql;

namespace Forum.EventStore;

/// <summary>
/// Creates and migrates the store's tables. Each migration runs once, in order, inside one transaction
/// that holds an advisory lock, so two processes starting together neither race nor half-apply.
/// </summary>
public static class Schema
{
    // Append-only: a migration, once released, is never edited; a change is a new entry.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.streams (
            id          text        PRIMARY KEY,
            type        text        NOT NULL,
            version     bigint      NOT NULL,
            created_at  timestamptz NOT NULL,
            updated_at  timestamptz NOT NULL
        );

        CREATE TABLE {s}.events (
            position        bigint GENERATED ALWAYS AS IDENTITY,
            -- The writing transaction's id: the daemon reads only below the oldest running one.
            tx_id           bigint      NOT NULL,
            stream_id       text        NOT NULL,
            stream_version  bigint      NOT NULL,
            event_id        uuid        NOT NULL,
            type            text        NOT NULL,
            data            jsonb       NOT NULL,
            recorded_at     timestamptz NOT NULL,
            -- Metadata as columns: cheaper to write than a second jsonb document per event.
            actor           text,
            correlation_id  uuid        NOT NULL,
            causation_id    uuid,
            reason          text,
            PRIMARY KEY (stream_id, stream_version)
        );
        -- The global commit order (positions are unique by their identity; no index of their own is needed).
        CREATE INDEX events_commit_order ON {s}.events (tx_id, position);

        CREATE TABLE {s}.projection_checkpoints (
            name        text        NOT NULL,
            generation  integer     NOT NULL,
            tx_id       bigint      NOT NULL DEFAULT 0,
            position    bigint      NOT NULL DEFAULT 0,
            active      boolean     NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (name, generation)
        );
        CREATE UNIQUE INDEX projection_one_active ON {s}.projection_checkpoints (name) WHERE active;

        CREATE TABLE {s}.projection_documents (
            projection  text    NOT NULL,
            generation  integer NOT NULL,
            id          text    NOT NULL,
            data        jsonb   NOT NULL,
            PRIMARY KEY (projection, generation, id)
        );

        -- Locks every stream of a multi-stream append, in one order, before the transaction writes
        -- anything: its transaction id is then assigned after the locks, so a later writer of the same
        -- stream always has a larger id, and (tx_id, position) keeps each stream in version order.
        CREATE FUNCTION {s}.lock_streams(p_streams text[]) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE k bigint;
        BEGIN
            IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
                RAISE EXCEPTION 'an append must lock its streams before its transaction writes anything' USING ERRCODE = 'FX002';
            END IF;
            FOR k IN SELECT DISTINCT hashtextextended(s, 0) FROM unnest(p_streams) s ORDER BY 1 LOOP
                PERFORM pg_advisory_xact_lock(k);
            END LOOP;
        END $$;
        """,
        // Document ids compare byte by byte, whatever the database's collation: a range of ids (a prefix, a position in
        // a list of tickets) is then the same range on every cluster. Under a linguistic collation (en_US, the container
        // image's) punctuation is weighed last, so "waiting/a/…" and "waiting/a-b/…" interleave, and a prefix could not
        // be bounded above: every read by prefix went on to the end of its projection's documents.
        """
        ALTER TABLE {s}.projection_documents ALTER COLUMN id TYPE text COLLATE "C";
        """,
    ];

    public static int LatestVersion => Migrations.Length;

    /// <summary>The store's own migrations, in the order their numbers give them.</summary>
    public static IReadOnlyList<string> StoreMigrations => Migrations;

    public static Task MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct = default) =>
        ApplyAsync(dataSource, schema, null, Migrations, ct);

    /// <summary>
    /// Migrates the tables of a component built on the store (an API's own tables, say) the same way: versioned,
    /// each migration once, under an advisory lock, in one transaction. <c>{s}</c> in the SQL is the quoted schema.
    /// </summary>
    public static Task MigrateComponentAsync(NpgsqlDataSource dataSource, string schema, string component, IReadOnlyList<string> migrations, CancellationToken ct = default) =>
        ApplyAsync(dataSource, schema, component, migrations, ct);

    /// <summary>The store's own migrations are kept in schema_migrations; a component's in component_migrations.</summary>
    private static async Task ApplyAsync(NpgsqlDataSource dataSource, string schema, string? component, IReadOnlyList<string> migrations, CancellationToken ct)
    {
        var s = Quote(schema);
        var (create, current, record) = component is null
            ? ($"CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
               $"SELECT coalesce(max(version), 0) FROM {s}.schema_migrations",
               $"INSERT INTO {s}.schema_migrations (version) VALUES (@version)")
            : ($"CREATE TABLE IF NOT EXISTS {s}.component_migrations (component text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))",
               $"SELECT coalesce(max(version), 0) FROM {s}.component_migrations WHERE component = @component",
               $"INSERT INTO {s}.component_migrations (component, version) VALUES (@component, @version)");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, "SELECT pg_advisory_xact_lock(hashtextextended('forum-schema:' || @schema, 0))", ct, ("schema", schema));
        await Execute(connection, tx, $"CREATE SCHEMA IF NOT EXISTS {s}; {create}", ct);
        long applied;
        await using (var cmd = new NpgsqlCommand(current, connection, tx))
        {
            if (component is not null)
            {
                cmd.Parameters.AddWithValue("component", component);
            }

            applied = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        for (var version = (int)applied + 1; version <= migrations.Count; version++)
        {
            await Execute(connection, tx, migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal), ct);
            await Execute(connection, tx, record, ct, ("version", version), ("component", component));
        }

        await tx.CommitAsync(ct);
    }

    public static string Quote(string identifier)
    {
        if (string.IsNullOrEmpty(identifier) || !identifier.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("A schema name is lower-case letters, digits and underscores.", nameof(identifier));
        }

        return "\"" + identifier + "\"";
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters.Where(p => p.Value is not null && sql.Contains("@" + p.Name, StringComparison.Ordinal)))
        {
            cmd.Parameters.AddWithValue(name, value!);
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }
}

public static class Listening
{
    /// <summary>
    /// One listening session on <paramref name="channel"/>: a connection of its own, <paramref name="listening"/> once
    /// LISTEN is in place, <paramref name="notified"/> for each payload, a ping after 30 quiet seconds. It runs until
    /// cancelled or the connection fails (both throw); callers reconnect. Its subscription ends before the pool takes
    /// the connection back, since the pool does not reset connections.
    /// </summary>
    public static async Task ListenAsync(NpgsqlDataSource dataSource, string channel, Action<string> notified, Action listening, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        connection.Notification += (_, e) => notified(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Schema.Quote(channel)}", connection))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        listening();
        try
        {
            while (true)
            {
                if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), ct))
                {
                    // Quiet for a while: make sure the connection is still there.
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteNonQueryAsync(ct);
                }
            }
        }
        finally
        {
            await UnlistenAsync(connection);
        }
    }

    /// <summary>Best effort: a broken connection is not pooled again anyway.</summary>
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            // Broken: it will not be reused.
        }
    }
}
