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
    ];

    public static int LatestVersion => Migrations.Length;

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct = default)
    {
        var s = Quote(schema);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, $"SELECT pg_advisory_xact_lock(hashtextextended('forum-schema:' || @schema, 0))", ct, schema);
        await Execute(connection, tx, $"CREATE SCHEMA IF NOT EXISTS {s}; CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", ct);
        long current;
        await using (var cmd = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {s}.schema_migrations", connection, tx))
        {
            current = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        for (var version = (int)current + 1; version <= Migrations.Length; version++)
        {
            await Execute(connection, tx, Migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal), ct);
            await Execute(connection, tx, $"INSERT INTO {s}.schema_migrations (version) VALUES ({version})", ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Migrates the tables of a component built on the store (an API's own tables, say) the same way: versioned,
    /// each migration once, under an advisory lock, in one transaction. <c>{s}</c> in the SQL is the quoted schema.
    /// </summary>
    public static async Task MigrateComponentAsync(NpgsqlDataSource dataSource, string schema, string component, IReadOnlyList<string> migrations, CancellationToken ct = default)
    {
        var s = Quote(schema);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, $"SELECT pg_advisory_xact_lock(hashtextextended('forum-schema:' || @schema, 0))", ct, schema);
        await Execute(connection, tx, $"CREATE SCHEMA IF NOT EXISTS {s}; CREATE TABLE IF NOT EXISTS {s}.component_migrations (component text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))", ct);
        long current;
        await using (var cmd = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {s}.component_migrations WHERE component = $1", connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = component });
            current = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        for (var version = (int)current + 1; version <= migrations.Count; version++)
        {
            await Execute(connection, tx, migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal), ct);
            await using var record = new NpgsqlCommand($"INSERT INTO {s}.component_migrations (component, version) VALUES ($1, $2)", connection, tx);
            record.Parameters.Add(new NpgsqlParameter { Value = component });
            record.Parameters.Add(new NpgsqlParameter { Value = version });
            await record.ExecuteNonQueryAsync(ct);
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

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, string? schemaParameter = null)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        if (schemaParameter is not null)
        {
            cmd.Parameters.AddWithValue("schema", schemaParameter);
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }
}
