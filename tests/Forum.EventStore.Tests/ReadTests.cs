using System.Text.Json.Nodes;

namespace Forum.EventStore.Tests;

public sealed class ReadTests
{
    private static readonly EventMetadata Meta = EventMetadata.For("tester");

    [Fact]
    public async Task A_stream_can_be_read_up_to_a_version_or_as_it_stood_at_an_instant()
    {
        var clock = new ManualClock(new DateTimeOffset(2012, 12, 5, 9, 0, 0, TimeSpan.Zero));
        await using var t = await TestStore.CreateAsync(time: clock);
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Any, [new ThingHappened("a")], Meta);
        clock.Now = clock.Now.AddHours(1);
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Any, [new ThingRenamed("a", "b")], Meta);
        clock.Now = clock.Now.AddHours(1);
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Any, [new ThingRenamed("b", "c")], Meta);

        static string Evolve(string state, object e) => e switch
        {
            ThingHappened h => h.Thing,
            ThingRenamed r => r.To,
            _ => state,
        };

        Assert.Equal(("c", 3L), await t.Store.AggregateAsync("thing-1", "", Evolve));
        Assert.Equal(("b", 2L), await t.Store.AggregateAsync("thing-1", "", Evolve, upToVersion: 2));
        Assert.Equal(("a", 1L), await t.Store.AggregateAsync("thing-1", "", Evolve, asOf: new DateTimeOffset(2012, 12, 5, 9, 30, 0, TimeSpan.Zero)));
        Assert.Equal(("", 0L), await t.Store.AggregateAsync("thing-1", "", Evolve, asOf: new DateTimeOffset(2012, 12, 4, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(clock.Now, (await t.Store.ReadStreamAsync("thing-1"))[^1].RecordedAt);
    }

    [Fact]
    public async Task A_typed_read_on_an_events_table_never_analysed_looks_at_one_batch_of_events_and_no_more()
    {
        await using var t = await TestStore.CreateAsync();
        // As after a deployment or a restore: no statistics, and none gathered while the test runs.
        await t.ScalarAsync("ALTER TABLE {s}.events SET (autovacuum_enabled = false)");
        for (var stream = 0; stream < 100; stream++)
        {
            // One renaming in ten events.
            await t.Store.AppendAsync($"s-{stream}", "thing", ExpectedVersion.NoStream,
                Enumerable.Range(0, 200).Select(i => i % 10 == 9 ? (object)new ThingRenamed("a", "b") : new ThingHappened("x", stream, i)).ToList(), Meta);
        }

        Assert.Equal(-1L, await t.ScalarAsync("SELECT reltuples FROM pg_class WHERE oid = '{s}.events'::regclass"));
        await using var connection = await t.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var renamed = t.Store.Types.StoredNamesOf([typeof(ThingRenamed)]);
        var (events, readTo) = await t.Store.ReadAllAsync(connection, GlobalCheckpoint.Start, 500, renamed, CancellationToken.None);

        // The first 500 events in commit order were looked at: 50 renamings among them, and the reader moves past all 500.
        Assert.Equal(50, events.Count);
        Assert.All(events, e => Assert.IsType<ThingRenamed>(e.Data));
        var firstFiveHundred = await t.Store.ReadAllAsync(GlobalCheckpoint.Start, 500);
        Assert.Equal(firstFiveHundred[^1].Checkpoint, readTo);
        Assert.Equal(firstFiveHundred.Where(e => e.Data is ThingRenamed).Select(e => e.Checkpoint), events.Select(e => e.Checkpoint));

        // Rows of the table and entries of the commit order's index read in this transaction: the batch's, not the 20,000 after the checkpoint.
        await using var cmd = new Npgsql.NpgsqlCommand(
            $"""
            SELECT pg_stat_get_xact_tuples_returned('"{t.SchemaName}".events'::regclass) + pg_stat_get_xact_tuples_fetched('"{t.SchemaName}".events'::regclass),
                   pg_stat_get_xact_tuples_returned('"{t.SchemaName}".events_commit_order'::regclass)
            """,
            connection,
            tx);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (rows, entries) = (reader.GetInt64(0), reader.GetInt64(1));
        Assert.True(rows <= 2 * 550 && entries <= 550, $"the read looked at {rows} rows and {entries} index entries");
    }

    [Fact]
    public async Task All_events_are_read_in_global_commit_order_from_a_checkpoint()
    {
        await using var t = await TestStore.CreateAsync();
        for (var i = 0; i < 10; i++)
        {
            await t.Store.AppendAsync($"s-{i % 3}", "thing", ExpectedVersion.Any, [new ThingHappened(i.ToString(System.Globalization.CultureInfo.InvariantCulture))], Meta);
        }

        // Transactions elsewhere in the cluster may still be open below ours: reads wait for them, never skip.
        await Eventually.TrueAsync(async () => (await t.Store.ReadAllAsync(GlobalCheckpoint.Start, 100)).Count == 10, TimeSpan.FromSeconds(30), "all ten are readable");
        var all = await t.Store.ReadAllAsync(GlobalCheckpoint.Start, 100);
        var rest = await t.Store.ReadAllAsync(all[3].Checkpoint, 100);
        Assert.Equal(all.Skip(4).Select(e => e.EventId), rest.Select(e => e.EventId));
        Assert.Equal(all[^1].Checkpoint, await t.Store.HeadAsync());
    }

    [Fact]
    public async Task An_old_event_shape_is_upcast_to_the_current_one_when_read()
    {
        // Yesterday's code stored "thing-named" with a field "name"; today's reads it as ThingHappened.
        var yesterday = new EventTypeRegistry().Register<ThingNamedV1>("thing-named");
        await using var old = await TestStore.CreateAsync(types: yesterday);
        await old.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Any, [new ThingNamedV1("first")], Meta);

        var today = TestStore.NewRegistry().Upcast("thing-named", "thing-happened", json => new JsonObject { ["thing"] = json["name"]!.GetValue<string>().ToUpperInvariant() });
        await using var current = await TestStore.CreateAsync(old.SchemaName, today);
        await current.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Exactly(1), [new ThingHappened("second")], Meta);

        var events = await current.Store.ReadStreamAsync("thing-1");
        Assert.Equal([new ThingHappened("FIRST"), new ThingHappened("second")], events.Select(e => e.Data));
        Assert.All(events, e => Assert.Equal("thing-happened", e.TypeName));
        Assert.Equal(1, await current.ScalarAsync("SELECT count(*) FROM {s}.events WHERE type = 'thing-named'"));
    }

    [Fact]
    public async Task Two_processes_migrating_the_schema_at_once_both_succeed_and_apply_each_migration_once()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => TestStore.CreateAsync(schema, applicationName: $"migrator-{i}", migrate: false)));
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.Store.MigrateAsync())));
            await stores[0].Store.MigrateAsync();
            Assert.Equal(Schema.LatestVersion, await stores[0].ScalarAsync("SELECT count(*) FROM {s}.schema_migrations"));
            await stores[1].Store.AppendAsync("x", "thing", ExpectedVersion.NoStream, [new ThingHappened("works")], Meta);
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }
        }
    }

    public sealed record ThingNamedV1(string Name);
}
