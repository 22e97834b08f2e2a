using System.Collections.Concurrent;

namespace Forum.EventStore.Tests;

public sealed class AppendTests
{
    private static readonly EventMetadata Meta = EventMetadata.For("tester");

    [Fact]
    public async Task Events_are_read_back_in_order_with_their_metadata()
    {
        await using var t = await TestStore.CreateAsync();
        var result = await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.NoStream, [new ThingHappened("a"), new ThingRenamed("a", "b"), new ThingHappened("c")], new EventMetadata("alice", Guid.NewGuid(), Guid.NewGuid(), "because"));

        Assert.Equal(3, result.NextExpectedVersion);
        var events = await t.Store.ReadStreamAsync("thing-1");
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.StreamVersion));
        Assert.Equal(["thing-happened", "thing-renamed", "thing-happened"], events.Select(e => e.TypeName));
        Assert.Equal(new ThingRenamed("a", "b"), events[1].Data);
        Assert.Equal("alice", events[0].Metadata.Actor);
        Assert.Equal("because", events[0].Metadata.Reason);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Position < p.Second.Position));
        Assert.Equal(1, await t.ScalarAsync("SELECT count(*) FROM {s}.streams WHERE id = 'thing-1' AND type = 'thing' AND version = 3"));
    }

    [Fact]
    public async Task The_stored_type_name_is_the_registered_name_not_the_CLR_name()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Any, [new ThingHappened("a")], Meta);
        Assert.Equal(1, await t.ScalarAsync("SELECT count(*) FROM {s}.events WHERE type = 'thing-happened' AND data->>'thing' = 'a'"));
    }

    [Fact]
    public async Task Appending_to_an_existing_stream_as_if_new_is_refused_with_both_versions()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.NoStream, [new ThingHappened("a"), new ThingHappened("b")], Meta);

        var e = await Assert.ThrowsAsync<ConcurrencyException>(() => t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.NoStream, [new ThingHappened("c")], Meta));
        Assert.Equal("thing-1", e.StreamId);
        Assert.Equal(ExpectedVersion.NoStream, e.Expected);
        Assert.Equal(2, e.ActualVersion);
        Assert.Equal(2, (await t.Store.ReadStreamAsync("thing-1")).Count);
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_and_writes_nothing()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.NoStream, [new ThingHappened("a")], Meta);
        await t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Exactly(1), [new ThingHappened("b")], Meta);

        var e = await Assert.ThrowsAsync<ConcurrencyException>(() => t.Store.AppendAsync("thing-1", "thing", ExpectedVersion.Exactly(1), [new ThingHappened("c")], Meta));
        Assert.Equal(2, e.ActualVersion);
        Assert.Equal(1, e.Expected.Value);
        Assert.Equal(2, await t.ScalarAsync("SELECT count(*) FROM {s}.events"));
    }

    [Fact]
    public async Task A_multi_stream_append_is_all_or_nothing()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AppendAsync("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("b1")], Meta);

        await Assert.ThrowsAsync<ConcurrencyException>(() => t.Store.AppendAsync(
            [new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("a1")]),
             new StreamAppend("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("b2")])], Meta));

        Assert.Empty(await t.Store.ReadStreamAsync("a"));
        Assert.Equal(0, await t.ScalarAsync("SELECT count(*) FROM {s}.streams WHERE id = 'a'"));
        var results = await t.Store.AppendAsync(
            [new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("a1")]),
             new StreamAppend("b", "thing", ExpectedVersion.Exactly(1), [new ThingHappened("b2")])], Meta);
        Assert.Equal([1L, 2L], results.Select(r => r.NextExpectedVersion));
    }

    [Fact]
    public async Task Racing_writers_on_one_stream_get_exactly_one_winner_per_version()
    {
        await using var t = await TestStore.CreateAsync();
        const int writers = 16;
        const int attemptsEach = 25;
        var wins = new ConcurrentBag<(int Writer, long Version)>();
        var losses = new ConcurrentBag<ConcurrencyException>();
        using var start = new ManualResetEventSlim();

        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            start.Wait();
            for (var attempt = 0; attempt < attemptsEach; attempt++)
            {
                var version = await t.Store.StreamVersionAsync("contested") ?? 0;
                try
                {
                    var r = await t.Store.AppendAsync("contested", "thing", ExpectedVersion.Exactly(version), [new ThingHappened("x", w, attempt)], Meta);
                    wins.Add((w, r.NextExpectedVersion));
                }
                catch (ConcurrencyException e)
                {
                    losses.Add(e);
                }
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks);

        Assert.Equal(writers * attemptsEach, wins.Count + losses.Count);
        Assert.NotEmpty(losses);
        Assert.Equal(Enumerable.Range(1, wins.Count).Select(v => (long)v), wins.Select(w => w.Version).Order());
        Assert.All(losses, l => Assert.Equal("contested", l.StreamId));
        Assert.All(losses, l => Assert.True(l.ActualVersion > l.Expected.Value));
        var stored = await t.Store.ReadStreamAsync("contested");
        Assert.Equal(wins.Count, stored.Count);
        Assert.Equal(wins.Count, stored.Select(e => (ThingHappened)e.Data).Distinct().Count());
    }

    [Fact]
    public async Task Appends_with_any_version_from_many_writers_all_land_without_gaps()
    {
        await using var t = await TestStore.CreateAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await t.Store.AppendAsync("shared", "thing", ExpectedVersion.Any, [new ThingHappened("x", w, i), new ThingHappened("y", w, i)], Meta);
            }
        })));

        var stored = await t.Store.ReadStreamAsync("shared");
        Assert.Equal(Enumerable.Range(1, 320).Select(v => (long)v), stored.Select(e => e.StreamVersion));
    }

    [Fact]
    public async Task Creating_many_streams_skips_those_that_exist_and_writes_the_others()
    {
        await using var t = await TestStore.CreateAsync();
        await t.Store.AppendAsync("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("b1")], Meta);

        var result = await t.Store.CreateStreamsAsync(
            [new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("a1"), new ThingHappened("a2")], new EventMetadata("alice", Guid.NewGuid())),
             new StreamAppend("b", "thing", ExpectedVersion.NoStream, [new ThingHappened("b2")]),
             new StreamAppend("c", "other", ExpectedVersion.NoStream, [new ThingHappened("c1")], new EventMetadata("carol", Guid.NewGuid(), Guid.NewGuid(), "why"))],
            Meta);

        Assert.Equal(["a", "c"], result.Created.Select(r => r.StreamId));
        Assert.Equal(["b"], result.Existing);
        Assert.Equal([2L, 1L], result.Created.Select(r => r.NextExpectedVersion));
        Assert.Equal([1L, 2L], result.Created[0].Events.Select(e => e.StreamVersion));
        var a = await t.Store.ReadStreamAsync("a");
        Assert.Equal([new ThingHappened("a1"), new ThingHappened("a2")], a.Select(e => e.Data));
        Assert.Equal(result.Created[0].Events.Select(e => e.Position), a.Select(e => e.Position));
        Assert.Equal("alice", a[0].Metadata.Actor);
        var c = Assert.Single(await t.Store.ReadStreamAsync("c"));
        Assert.Equal(("carol", "why"), (c.Metadata.Actor, c.Metadata.Reason));
        Assert.NotNull(c.Metadata.CausationId);
        Assert.Equal([new ThingHappened("b1")], (await t.Store.ReadStreamAsync("b")).Select(e => e.Data));
        Assert.Equal(1, await t.ScalarAsync("SELECT count(*) FROM {s}.streams WHERE id = 'a' AND version = 2 AND type = 'thing'"));
        Assert.Equal(1, await t.ScalarAsync("SELECT count(*) FROM {s}.streams WHERE id = 'c' AND version = 1 AND type = 'other'"));
    }

    [Fact]
    public async Task Writers_creating_overlapping_streams_at_once_create_each_stream_once()
    {
        await using var t = await TestStore.CreateAsync();
        await using var other = await t.OpenAnotherAsync("other-process");

        // 12 writers on two "processes", each creating the same 20 streams in its own order.
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(w => Task.Run(() => (w % 2 == 0 ? t : other).Store.CreateStreamsAsync(
            Enumerable.Range(0, 20).Select(i => (i + (w * 7)) % 20)
                .Select(i => new StreamAppend($"s-{i}", "thing", ExpectedVersion.NoStream, [new ThingHappened($"s-{i}", w)])).ToList(),
            Meta))));

        var created = results.SelectMany(r => r.Created).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"s-{i}").Order(), created.Select(c => c.StreamId).Order());
        Assert.All(results, r => Assert.Equal(20, r.Created.Count + r.Existing.Count));
        Assert.Equal(20, await t.ScalarAsync("SELECT count(*) FROM {s}.events"));
        foreach (var c in created)
        {
            var stored = Assert.Single(await t.Store.ReadStreamAsync(c.StreamId));
            Assert.Equal(c.Events[0].Data, stored.Data);
        }
    }

    [Fact]
    public async Task Creating_streams_refuses_a_stream_named_twice_or_an_expected_version()
    {
        await using var t = await TestStore.CreateAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.CreateStreamsAsync(
            [new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("1")]), new StreamAppend("a", "thing", ExpectedVersion.NoStream, [new ThingHappened("2")])], Meta));
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.CreateStreamsAsync(
            [new StreamAppend("a", "thing", ExpectedVersion.Any, [new ThingHappened("1")])], Meta));
        Assert.Equal(0, await t.ScalarAsync("SELECT count(*) FROM {s}.events"));
    }
}
