using Forum.Api.Notifications;
using Forum.EventStore;
using Npgsql;

namespace Forum.Api.Tests.Notifications;

public sealed class NotificationMigrationTests
{
    /// <summary>The component's list as databases made earlier applied it, by index into today's list.</summary>
    public static TheoryData<string, int[]> EarlierLists => new()
    {
        // The outbox, the webhook, the opt-outs, the digests.
        { "before the dead-mail index", [0, 3, 4, 5] },
        // Then the dead-mail index, inserted after the outbox.
        { "before the presence columns", [0, 1, 3, 4, 5] },
    };

    [Theory]
    [MemberData(nameof(EarlierLists))]
    public async Task A_database_made_by_an_earlier_list_of_notification_migrations_ends_up_as_a_new_one(string when, int[] applied)
    {
        await using var dataSource = NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("FORUM_TEST_DB")!);
        var all = NotificationsFeature.ComponentMigrations;
        var old = "mig_" + Guid.NewGuid().ToString("N")[..16];
        var fresh = "mig_" + Guid.NewGuid().ToString("N")[..16];
        await Schema.MigrateAsync(dataSource, old);
        await Schema.MigrateAsync(dataSource, fresh);
        await Schema.MigrateComponentAsync(dataSource, old, "notifications", applied.Select(i => all[i]).ToList());

        // The API starts on it (the same migrations, today's list), and its tables, indexes and functions are a new database's.
        await Schema.MigrateComponentAsync(dataSource, old, "notifications", all);
        await Schema.MigrateComponentAsync(dataSource, fresh, "notifications", all);
        var expected = await ShapeAsync(dataSource, fresh);
        var upgraded = await ShapeAsync(dataSource, old);
        Assert.True(
            expected.SequenceEqual(upgraded),
            $"Made {when}, then upgraded: missing {string.Join("; ", expected.Except(upgraded))}; extra {string.Join("; ", upgraded.Except(expected))}");
        Assert.Contains("function claim_mail", upgraded);
    }

    /// <summary>Every column, index and function of a schema, written without the schema's name.</summary>
    private static async Task<List<string>> ShapeAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || coalesce(' ' || is_identity, '') || ' ' || is_nullable
            FROM information_schema.columns WHERE table_schema = $1
            UNION ALL
            SELECT 'index ' || replace(indexdef, $1, 'S') FROM pg_indexes WHERE schemaname = $1
            UNION ALL
            SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
            UNION ALL
            SELECT 'options ' || c.relname || ' ' || array_to_string(c.reloptions, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.reloptions IS NOT NULL
            ORDER BY 1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = schema });
        var shape = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            shape.Add(reader.GetString(0));
        }

        return shape;
    }
}
