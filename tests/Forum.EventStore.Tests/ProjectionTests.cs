using System.Collections.Concurrent;
using Forum.EventStore.Projections;

namespace Forum.EventStore.Tests;

public sealed class ProjectionTests
{
    private static readonly EventMetadata Meta = EventMetadata.For("tester");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Holds the append's transaction open for a random while, and sometimes fails it (a rollback); a "slow" one stays
    /// open, its event written, until the test releases it.
    /// </summary>
    private sealed class Chaos : IProjection
    {
        public string Name => "chaos";

        public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SlowReleased { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
        {
            if (events.Any(e => e.Data is ThingHappened { Thing: "slow" }))
            {
                SlowStarted.TrySetResult();
                await SlowReleased.Task.WaitAsync(Deadline, ct);
            }
            else
            {
                await Task.Delay(Random.Shared.Next(0, 40), ct);
            }

            if (events.Any(e => e.Data is ThingHappened { Thing: "doomed" }))
            {
                throw new InvalidOperationException("rolled back on purpose");
            }
        }
    }

    private sealed class LastThing : IProjection
    {
        public string Name => "last-thing";

        public Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
        {
            foreach (var e in events)
            {
                session.Store(e.StreamId, new LastThingDocument(((ThingHappened)e.Data).Thing));
            }

            return Task.CompletedTask;
        }
    }

    private sealed record LastThingDocument(string Thing);

    /// <summary>Names the one event type it handles, and records the type of every event it is handed.</summary>
    private sealed class RenameLog(string name) : IProjection
    {
        public string Name => name;

        public IReadOnlyCollection<Type>? EventTypes { get; } = [typeof(ThingRenamed)];

        public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
        {
            var log = await session.LoadAsync<RenameLogDocument>("log", ct) ?? new RenameLogDocument([]);
            log.Handed.AddRange(events.Select(e => $"{e.TypeName} {e.StreamId}"));
            session.Store("log", log);
        }

        public static async Task<List<string>> ReadAsync(EventStore store, string name) =>
            (await store.Documents.LoadAsync<RenameLogDocument>(name, "log"))?.Handed ?? [];
    }

    private sealed record RenameLogDocument(List<string> Handed);

    [Fact]
    public async Task An_inline_projection_is_readable_as_soon_as_the_append_returns()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new ThingCount());
        await t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("1"), new ThingHappened("2")], Meta);
        Assert.Equal(2, (await t.Store.Documents.LoadAsync<CountDocument>("thing-count", "a"))!.Count);
    }

    [Fact]
    public async Task Documents_of_several_projections_load_in_one_call_each_as_its_type()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new ThingCount());
        await t.Store.AddInlineProjectionAsync(new LastThing());
        await t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("1"), new ThingHappened("2")], Meta);
        await t.Store.AppendAsync("b", "thing", ExpectedVersion.Any, [new ThingHappened("3")], Meta);

        var found = await t.Store.Documents.LoadManyAsync(
            [("thing-count", "a", typeof(CountDocument)), ("last-thing", "a", typeof(LastThingDocument)), ("last-thing", "b", typeof(LastThingDocument)),
             ("last-thing", "nothing", typeof(LastThingDocument)), ("no-such-projection", "a", typeof(CountDocument)), ("thing-count", "a", typeof(CountDocument))]);

        Assert.Equal(3, found.Count);
        Assert.Equal(new CountDocument(2), found[("thing-count", "a")]);
        Assert.Equal(new LastThingDocument("2"), found[("last-thing", "a")]);
        Assert.Equal(new LastThingDocument("3"), found[("last-thing", "b")]);
        Assert.Empty(await t.Store.Documents.LoadManyAsync([]));
    }

    [Fact]
    public async Task A_cached_document_is_sent_again_only_when_its_row_changed_in_any_process()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new ThingCount());
        await using var other = await t.OpenAnotherAsync("other-process");
        await other.Store.AddInlineProjectionAsync(new ThingCount());
        await t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("1")], Meta);
        var cache = new DocumentCache();
        (string, string, Type)[] wanted = [("thing-count", "a", typeof(CountDocument))];

        var first = (await t.Store.Documents.LoadManyAsync(wanted, cache))[("thing-count", "a")];
        var again = (await t.Store.Documents.LoadManyAsync(wanted, cache))[("thing-count", "a")];
        Assert.Same(first, again);

        await other.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("2")], Meta);
        var changed = (await t.Store.Documents.LoadManyAsync(wanted, cache))[("thing-count", "a")];
        Assert.Equal(new CountDocument(2), changed);
        Assert.Same(changed, (await t.Store.Documents.LoadManyAsync(wanted, cache))[("thing-count", "a")]);

        await t.ScalarAsync("DELETE FROM {s}.projection_documents WHERE projection = 'thing-count' AND id = 'a' RETURNING 1");
        Assert.Empty(await t.Store.Documents.LoadManyAsync(wanted, cache));
    }

    [Fact]
    public async Task An_inline_projection_new_to_a_database_first_catches_up_with_stored_events()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("1"), new ThingHappened("2")], Meta);
        await Eventually.TrueAsync(async () => (await t.Store.ReadAllAsync(GlobalCheckpoint.Start, 10)).Count == 2, Deadline, "the events are visible");

        await using var restarted = await t.OpenAnotherAsync("restarted");
        await restarted.Store.AddInlineProjectionAsync(new ThingCount());
        await restarted.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("3")], Meta);
        Assert.Equal(3, (await restarted.Store.Documents.LoadAsync<CountDocument>("thing-count", "a"))!.Count);

        await using var again = await t.OpenAnotherAsync("restarted-again");
        await again.Store.AddInlineProjectionAsync(new ThingCount());
        Assert.Equal(3, (await again.Store.Documents.LoadAsync<CountDocument>("thing-count", "a"))!.Count);
    }

    /// <summary>Keeps each stream's last thing; for "refused" a text PostgreSQL's jsonb does not take (\u0000).</summary>
    private sealed class RefusingLastThing : IProjection
    {
        public string Name => "last-thing";

        public Task ApplyAsync(IReadOnlyList<StoredEvent> events, DocumentSession session, CancellationToken ct)
        {
            foreach (var e in events)
            {
                var thing = ((ThingHappened)e.Data).Thing;
                session.Store(e.StreamId, new LastThingDocument(thing == "refused" ? "\u0000" : thing));
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_document_the_database_refuses_at_commit_rolls_the_append_back_with_it()
    {
        // The documents are written in the round trip that commits.
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new RefusingLastThing());
        await t.Store.AppendAsync("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("fine")], Meta);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => t.Store.AppendAsync("a", "thing", ExpectedVersion.Exactly(1), [new ThingHappened("refused")], Meta));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => t.Store.CreateStreamsAsync([new StreamAppend("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("refused")])], Meta));

        Assert.Equal(1, await t.Store.StreamVersionAsync("a"));
        Assert.Null(await t.Store.StreamVersionAsync("b"));
        Assert.Equal(1, await t.ScalarAsync("SELECT count(*) FROM {s}.events"));
        Assert.Equal("fine", (await t.Store.Documents.LoadAsync<LastThingDocument>("last-thing", "a"))!.Thing);

        // The pool's connections are usable again.
        for (var i = 0; i < 5; i++)
        {
            await t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened($"after {i}")], Meta);
        }

        Assert.Equal("after 4", (await t.Store.Documents.LoadAsync<LastThingDocument>("last-thing", "a"))!.Thing);
        Assert.Equal(6, await t.Store.StreamVersionAsync("a"));
    }

    [Fact]
    public async Task A_failing_inline_projection_rolls_the_append_back()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new Chaos());
        await Assert.ThrowsAsync<InvalidOperationException>(() => t.Store.AppendAsync("a", "thing", ExpectedVersion.Any, [new ThingHappened("doomed")], Meta));
        Assert.Equal(0, await t.ScalarAsync("SELECT count(*) FROM {s}.events"));
        Assert.Null(await t.Store.StreamVersionAsync("a"));
    }

    [Fact]
    public async Task The_daemon_hands_every_committed_event_exactly_once_in_stream_order_even_when_commits_arrive_out_of_order()
    {
        await using var t = await TestStore.CreateAsync();
        var chaos = new Chaos();
        await t.Store.AddInlineProjectionAsync(chaos);
        var daemon = new ProjectionDaemon(t.Store, [new DeliveryLog()], new() { BatchSize = 50, IdlePollInterval = TimeSpan.FromMilliseconds(20) });
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);

        var committed = new ConcurrentBag<Guid>();
        var returned = new ConcurrentBag<(long FirstPosition, long At)>();
        // One transaction held open, its event written, while the others commit around it.
        var slow = Task.Run(async () =>
        {
            var result = await t.Store.AppendAsync("slow-stream", "thing", ExpectedVersion.Any, [new ThingHappened("slow")], Meta);
            committed.Add(result.Events[0].EventId);
            return (result.Events[0].Position, At: System.Diagnostics.Stopwatch.GetTimestamp());
        });
        await chaos.SlowStarted.Task.WaitAsync(Deadline);
        var doomed = 0;
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < 30; i++)
            {
                var fail = random.Next(10) == 0;
                var events = Enumerable.Range(0, random.Next(1, 4)).Select(_ => (object)new ThingHappened(fail ? "doomed" : "ok", w, i)).ToList();
                var streams = random.Next(4) == 0
                    ? new[] { $"s-{random.Next(6)}", $"s-{random.Next(6, 12)}" }
                    : new[] { $"s-{random.Next(12 + (i / 3))}" };
                // Some appends race to create a stream that others append to as it is.
                var expected = random.Next(5) == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Any;
                try
                {
                    var results = await t.Store.AppendAsync(streams.Select(s => new StreamAppend(s, "thing", expected, events)).ToList(), Meta);
                    foreach (var e in results.SelectMany(r => r.Events))
                    {
                        committed.Add(e.EventId);
                    }

                    returned.Add((results.SelectMany(r => r.Events).Min(e => e.Position), System.Diagnostics.Stopwatch.GetTimestamp()));
                    if (returned.Count >= 5)
                    {
                        // Later transactions have committed around the slow one: it may commit now.
                        chaos.SlowReleased.TrySetResult();
                    }
                }
                catch (InvalidOperationException) when (fail)
                {
                    Interlocked.Increment(ref doomed);
                }
                catch (ConcurrencyException) when (expected == ExpectedVersion.NoStream)
                {
                    Interlocked.Increment(ref refused);
                }

                await Task.Delay(random.Next(0, 10));
            }
        })));

        var (slowPosition, slowReturned) = await slow;
        Assert.Contains(returned, r => r.FirstPosition > slowPosition && r.At < slowReturned);
        await Eventually.TrueAsync(async () => (await DeliveryLog.ReadAsync(t.Store)).Count >= committed.Count, Deadline, "the log holds every committed event");
        await stop.CancelAsync();
        await running;

        var log = await DeliveryLog.ReadAsync(t.Store);
        Assert.True(doomed > 0, "some transactions were rolled back");
        Assert.True(refused > 0, "some creations lost their race");
        Assert.Equal(committed.Order(), log.Select(e => e.EventId).Order());
        Assert.Equal(log.Count, log.Select(e => e.EventId).Distinct().Count());
        foreach (var stream in log.GroupBy(e => e.StreamId))
        {
            Assert.Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), stream.Select(e => e.StreamVersion));
        }

        Assert.Equal(log.Select(e => e.Position), log.OrderBy(e => e.TransactionId).ThenBy(e => e.Position).Select(e => e.Position));
        Assert.Equal(0, await t.ScalarAsync("SELECT count(*) FROM {s}.events WHERE data->>'thing' = 'doomed'"));
    }

    [Fact]
    public async Task When_the_leading_process_dies_another_takes_over_from_the_checkpoint()
    {
        await using var t = await TestStore.CreateAsync();
        var a = await t.OpenAnotherAsync("daemon-a");
        await using var b = await t.OpenAnotherAsync("daemon-b");
        var options = new ProjectionDaemonOptions { BatchSize = 20, IdlePollInterval = TimeSpan.FromMilliseconds(20), LeadershipInterval = TimeSpan.FromMilliseconds(300) };
        var daemonA = new ProjectionDaemon(a.Store, [new DeliveryLog()], options);
        var daemonB = new ProjectionDaemon(b.Store, [new DeliveryLog()], options);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = daemonA.RunAsync(stopA.Token);
        await Eventually.TrueAsync(() => Task.FromResult(daemonA.IsLeading("delivery-log")), Deadline, "A leads");
        var runB = daemonB.RunAsync(stopB.Token);

        var written = 0;
        using var stopWriting = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (!stopWriting.IsCancellationRequested)
            {
                await t.Store.AppendAsync($"s-{w}", "thing", ExpectedVersion.Any, [new ThingHappened("x", w)], Meta);
                Interlocked.Increment(ref written);
            }
        })).ToArray();

        await Eventually.TrueAsync(async () => (await DeliveryLog.ReadAsync(t.Store)).Count > 100, Deadline, "A has applied events");
        Assert.False(daemonB.IsLeading("delivery-log"));

        // A dies: its pool is gone and the server drops its connections, lease included.
        await a.DataSource.DisposeAsync();
        await t.ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'daemon-a'");
        await Eventually.TrueAsync(() => Task.FromResult(daemonB.IsLeading("delivery-log")), TimeSpan.FromSeconds(10), "B takes the lead within seconds");
        var atTakeover = (await DeliveryLog.ReadAsync(t.Store)).Count;
        await Eventually.TrueAsync(async () => (await DeliveryLog.ReadAsync(t.Store)).Count > atTakeover + 100, Deadline, "B applies new events");

        await stopWriting.CancelAsync();
        await Task.WhenAll(writers);
        await Eventually.TrueAsync(async () => (await DeliveryLog.ReadAsync(t.Store)).Count >= written, Deadline, "B catches up");
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        await Task.WhenAll(runA, runB);

        var log = await DeliveryLog.ReadAsync(t.Store);
        Assert.Equal(written, log.Count);
        Assert.Equal(written, log.Select(e => e.EventId).Distinct().Count());
        foreach (var stream in log.GroupBy(e => e.StreamId))
        {
            Assert.Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), stream.Select(e => e.StreamVersion));
        }
    }

    [Fact]
    public async Task A_projection_that_names_its_events_is_handed_only_those_and_the_others_do_not_each_move_its_checkpoint()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AddInlineProjectionAsync(new RenameLog("inline-renames"));
        var daemon = new ProjectionDaemon(t.Store, [new RenameLog("renames")]);
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(daemon.IsLeading("renames")), Deadline, "the daemon leads");

        // Every write of the async projection's checkpoint, counted by the database.
        await t.ScalarAsync(
            """
            CREATE TABLE {s}.checkpoint_writes (at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE FUNCTION {s}.count_checkpoint_write() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN INSERT INTO checkpoint_writes DEFAULT VALUES; RETURN NEW; END $$ SET search_path FROM CURRENT;
            CREATE TRIGGER count_writes AFTER UPDATE ON {s}.projection_checkpoints
                FOR EACH ROW WHEN (NEW.name = 'renames') EXECUTE FUNCTION {s}.count_checkpoint_write();
            SELECT 0
            """.Replace("SET search_path FROM CURRENT", $"SET search_path = \"{t.SchemaName}\"", StringComparison.Ordinal));

        const int Appends = 300;
        for (var i = 0; i < Appends; i++)
        {
            object e = i == Appends / 2 ? new ThingRenamed("a", "b") : new ThingHappened("x", i);
            await t.Store.AppendAsync($"s-{i % 7}", "thing", ExpectedVersion.Any, [e], Meta);
        }

        await Eventually.TrueAsync(async () => (await RenameLog.ReadAsync(t.Store, "renames")).Count == 1, Deadline, "the rename is handed to the daemon's projection");
        await Eventually.TrueAsync(async () => (await daemon.StatusAsync()).Single().EventsBehind == 0, Deadline, "its checkpoint reaches the last event once the daemon is idle");
        var writes = await t.ScalarAsync("SELECT count(*) FROM {s}.checkpoint_writes");
        await stop.CancelAsync();
        await running;

        Assert.Equal(["thing-renamed s-3"], await RenameLog.ReadAsync(t.Store, "renames"));
        Assert.Equal(["thing-renamed s-3"], await RenameLog.ReadAsync(t.Store, "inline-renames"));

        // One write with the rename, the others when idle or a second has passed: not one per append.
        Assert.InRange(writes, 2, Appends / 10);
    }

    [Fact]
    public async Task A_projection_that_names_its_events_is_rebuilt_past_the_events_it_does_not_handle()
    {
        await using var t = await TestStore.CreateAsync();
        for (var i = 0; i < 200; i++)
        {
            object e = i % 50 == 0 ? new ThingRenamed($"{i}", "b") : new ThingHappened("x", i);
            await t.Store.AppendAsync($"s-{i % 7}", "thing", ExpectedVersion.Any, [e], Meta);
        }

        var daemon = new ProjectionDaemon(t.Store, [new RenameLog("renames")], new() { BatchSize = 3, IdlePollInterval = TimeSpan.FromMilliseconds(20) });
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);
        await Eventually.TrueAsync(async () => (await RenameLog.ReadAsync(t.Store, "renames")).Count == 4, Deadline, "first build done");

        Assert.Equal(2, await daemon.RequestRebuildAsync("renames"));
        await Eventually.TrueAsync(async () => (await daemon.StatusAsync()).Single(s => s.Active).Generation == 2, Deadline, "the rebuilt generation becomes the active one");
        await t.Store.AppendAsync("s-0", "thing", ExpectedVersion.Any, [new ThingRenamed("after", "c")], Meta);
        await Eventually.TrueAsync(async () => (await RenameLog.ReadAsync(t.Store, "renames")).Count == 5, Deadline, "the new generation keeps projecting");
        await Eventually.TrueAsync(async () => (await daemon.StatusAsync()).Single().EventsBehind == 0, Deadline, "its checkpoint reaches the last event");
        await stop.CancelAsync();
        await running;

        Assert.Equal(["thing-renamed s-0", "thing-renamed s-1", "thing-renamed s-2", "thing-renamed s-3", "thing-renamed s-0"], await RenameLog.ReadAsync(t.Store, "renames"));
    }

    [Fact]
    public void The_stored_names_of_event_types_include_old_names_upcast_to_them()
    {
        var types = TestStore.NewRegistry()
            .Upcast("thing-renamed-v1", "thing-renamed", json => json)
            .Upcast("thing-renamed-v0", "thing-renamed-v1", json => json)
            .Upcast("thing-happened-v0", "thing-happened", json => json);

        Assert.Equal(["thing-renamed", "thing-renamed-v0", "thing-renamed-v1"], types.StoredNamesOf([typeof(ThingRenamed)]));
        Assert.Equal(["thing-happened", "thing-happened-v0", "thing-renamed", "thing-renamed-v0", "thing-renamed-v1"], types.StoredNamesOf([typeof(object)]));
    }

    [Fact]
    public async Task A_rebuild_runs_beside_the_serving_generation_and_readers_switch_when_it_has_caught_up()
    {
        await using var t = await TestStore.CreateAsync();
        for (var i = 0; i < 300; i++)
        {
            await t.Store.AppendAsync($"s-{i % 3}", "thing", ExpectedVersion.Any, [new ThingHappened("x")], Meta);
        }

        var daemon = new ProjectionDaemon(t.Store, [new ThingCount()], new() { BatchSize = 10, IdlePollInterval = TimeSpan.FromMilliseconds(20) });
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);
        async Task<int> Count() => (await t.Store.Documents.LoadAsync<CountDocument>("thing-count", "s-0"))?.Count ?? 0;
        await Eventually.TrueAsync(async () => await Count() == 100, Deadline, "first build done");

        var generation = await daemon.RequestRebuildAsync("thing-count");
        Assert.Equal(2, generation);
        var seen = new List<int>();
        await Eventually.TrueAsync(
            async () =>
            {
                seen.Add(await Count());
                return (await daemon.StatusAsync()).Single(s => s.Active).Generation == 2;
            },
            Deadline,
            "the rebuilt generation becomes the active one");

        Assert.All(seen, c => Assert.Equal(100, c));
        Assert.Equal(100, await Count());
        await t.Store.AppendAsync("s-0", "thing", ExpectedVersion.Any, [new ThingHappened("after")], Meta);
        await Eventually.TrueAsync(async () => await Count() == 101, Deadline, "the new generation keeps projecting");
        Assert.Equal(3, await t.ScalarAsync("SELECT count(*) FROM {s}.projection_documents WHERE generation = 2"));
        Assert.Equal(0, await t.ScalarAsync("SELECT count(*) FROM {s}.projection_documents WHERE generation = 1"));
        var status = (await daemon.StatusAsync()).Single();
        Assert.Equal(0, status.EventsBehind);
        await stop.CancelAsync();
        await running;
    }
}
