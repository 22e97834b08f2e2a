using Forum.EventStore.Projections;

namespace Forum.EventStore.Tests;

public sealed class StoreTransactionTests
{
    private static readonly EventMetadata Meta = EventMetadata.For("test");

    /// <summary>Counts, per stream, the events an inline projection was handed.</summary>
    private sealed class Tally : IProjection
    {
        public string Name => "tally";

        public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
        {
            foreach (var e in events)
            {
                var doc = await session.LoadAsync<TallyDocument>(e.StreamId, ct) ?? new TallyDocument(0);
                session.Store(e.StreamId, new TallyDocument(doc.Count + 1));
            }
        }
    }

    private sealed record TallyDocument(int Count);

    [Fact]
    public async Task Writers_that_decide_under_the_lock_never_conflict_and_each_sees_the_one_before()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Tally());

        // 24 writers at once each read the tally and append to the stream and to one stream of their own: under the
        // lock each one reads what the previous one committed, so every expected version holds.
        var seen = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            await using var tx = await t.Store.BeginAsync(["counter"]);
            var tally = await tx.LoadAsync<TallyDocument>("tally", "counter");
            var (_, version) = await tx.AggregateAsync("counter", 0, (n, _) => n + 1);
            await tx.AppendAsync(
                [new StreamAppend("counter", "thing", ExpectedVersion.Exactly(version), [new ThingHappened($"after {version}", i)]),
                 new StreamAppend($"own-{i}", "thing", ExpectedVersion.NoStream, [new ThingHappened("mine", i)])],
                Meta);
            await tx.CommitAsync();
            return (tally?.Count ?? 0, version);
        }));

        Assert.All(seen, s => Assert.Equal(s.version, s.Item1));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), seen.Select(s => s.version).Order());
        Assert.Equal(24, (await t.Store.Documents.LoadAsync<TallyDocument>("tally", "counter"))!.Count);
        Assert.Equal(24, await t.Store.StreamVersionAsync("counter"));
    }

    [Fact]
    public async Task Loading_a_few_documents_reads_those_rows_only_even_before_the_table_has_statistics()
    {
        // A fresh table, as after a deployment: its statistics still say it is small when thousands of documents arrive.
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Tally());
        await t.Store.CreateStreamsAsync(
            Enumerable.Range(0, 3000).Select(i => new StreamAppend($"s-{i}", "thing", ExpectedVersion.NoStream, [new ThingHappened("x")])).ToList(), Meta);

        await using var tx = await t.Store.BeginAsync(["reader"]);
        // With a lookup per id, the primary key returns one entry per document found.
        var before = await PrimaryKeyReturnedAsync(t, tx);
        var found = await tx.LoadManyAsync<TallyDocument>("tally", ["s-7", "s-2999", "s-missing"]);
        var one = await tx.LoadAsync<TallyDocument>("tally", "s-1500");
        var returned = await PrimaryKeyReturnedAsync(t, tx) - before;

        Assert.Equal(["s-2999", "s-7"], found.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, one!.Count);
        Assert.InRange(returned, 3, 10);
    }

    [Fact]
    public async Task Listing_documents_by_prefix_reads_that_prefix_s_rows_only()
    {
        // Beside the prefix's 100: ids that sort just before it ("a/x-y/"), just after it ("a/xy/") and far after it.
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Tally());
        var ids = new[] { "a/x/", "a/x-y/", "a/xy/" }.SelectMany(p => Enumerable.Range(0, 100).Select(i => $"{p}{i:D3}"))
            .Concat(Enumerable.Range(0, 2000).Select(i => $"b/{i}"));
        await t.Store.CreateStreamsAsync(ids.Select(id => new StreamAppend(id, "thing", ExpectedVersion.NoStream, [new ThingHappened("x")])).ToList(), Meta);

        await using var tx = await t.Store.BeginAsync(["reader"]);
        var before = await PrimaryKeyReturnedAsync(t, tx);
        var listed = await tx.ListAsync<TallyDocument>("tally", "a/x/", 1000);
        var returned = await PrimaryKeyReturnedAsync(t, tx) - before;

        Assert.Equal(100, listed.Count);
        // The primary key's range ends where the prefix does (read to the end of the projection, it returned 2,200 rows).
        Assert.InRange(returned, 100, 101);
        // Ids compare byte by byte on any cluster, so that such ranges are the same under every database collation.
        await using var collation = t.DataSource.CreateCommand(
            $"SELECT collation_name FROM information_schema.columns WHERE table_schema = '{t.SchemaName}' AND table_name = 'projection_documents' AND column_name = 'id'");
        Assert.Equal("C", await collation.ExecuteScalarAsync());
    }

    /// <summary>Index entries the documents' primary key returned in this transaction so far.</summary>
    private static async Task<long> PrimaryKeyReturnedAsync(TestStore t, StoreTransaction tx)
    {
        await using var cmd = new Npgsql.NpgsqlCommand(
            $"SELECT pg_stat_get_xact_tuples_returned('\"{t.SchemaName}\".projection_documents_pkey'::regclass)", tx.Connection, tx.Transaction);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_transaction_disposed_without_commit_leaves_nothing_behind()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Tally());
        await using (var tx = await t.Store.BeginAsync(["a"]))
        {
            await tx.AppendAsync([new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("1")])], Meta);
        }

        Assert.Null(await t.Store.StreamVersionAsync("a"));
        Assert.Null(await t.Store.Documents.LoadAsync<TallyDocument>("tally", "a"));
        Assert.Equal(0, await t.ScalarAsync("SELECT count(*) FROM {s}.events"));
    }

    [Fact]
    public async Task Rebuilding_the_inline_projections_replays_every_event_from_the_start()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Tally());
        await t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("1"), new ThingHappened("2")], Meta);
        await t.Store.AppendAsync("b", "thing", ExpectedVersion.Any, [new ThingHappened("3")], Meta);
        await t.ScalarAsync("UPDATE {s}.projection_documents SET data = '{\"count\": 99}' WHERE projection = 'tally' RETURNING 1");

        await t.Store.RebuildInlineProjectionsAsync();

        Assert.Equal(2, (await t.Store.Documents.LoadAsync<TallyDocument>("tally", "a"))!.Count);
        Assert.Equal(1, (await t.Store.Documents.LoadAsync<TallyDocument>("tally", "b"))!.Count);
    }

    [Fact]
    public async Task Creating_streams_projects_inline_only_the_streams_it_created()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Tally());
        await t.Store.AppendAsync("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("b1")], Meta);

        await t.Store.CreateStreamsAsync(
            [new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("a1"), new ThingHappened("a2")]),
             new StreamAppend("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("b2")])],
            Meta);

        Assert.Equal(2, (await t.Store.Documents.LoadAsync<TallyDocument>("tally", "a"))!.Count);
        Assert.Equal(1, (await t.Store.Documents.LoadAsync<TallyDocument>("tally", "b"))!.Count);
    }
}
