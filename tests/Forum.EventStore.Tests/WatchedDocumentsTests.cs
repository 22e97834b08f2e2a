using Forum.EventStore.Projections;

namespace Forum.EventStore.Tests;

public sealed class WatchedDocumentsTests
{
    private static readonly EventMetadata Meta = EventMetadata.For("tester");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>A process: a store on the shared schema, the projection inline, its documents watched and listened for.</summary>
    private sealed class Process : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task listening;

        private Process(TestStore store)
        {
            Store = store;
            Watched = new WatchedDocuments(store.Store, ["thing-count"]);
            listening = Watched.ListenAsync(stop.Token);
        }

        public TestStore Store { get; }

        public WatchedDocuments Watched { get; }

        public static async Task<Process> StartAsync(TestStore store)
        {
            var process = new Process(store);
            await store.Store.AddInlineProjectionAsync(new ThingCount());
            await Eventually.TrueAsync(() => Task.FromResult(process.Watched.IsListening), Deadline, "the process listens");
            return process;
        }

        public async Task<int?> CountAsync(string id) => (await Watched.LoadAsync<CountDocument>("thing-count", id))?.Count;

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await listening;
            await Store.DisposeAsync();
        }
    }

    /// <summary>Changes the stored document behind every process's back (no notification): only a read from the database sees it.</summary>
    private static async Task OverwriteSilentlyAsync(TestStore t, string id, int count) =>
        await t.ScalarAsync($"WITH u AS (UPDATE \"{t.SchemaName}\".projection_documents SET data = '{{\"count\":{count}}}' WHERE projection = 'thing-count' AND id = '{id}' RETURNING 1) SELECT count(*) FROM u");

    [Fact]
    public async Task A_watched_document_is_read_from_memory_until_another_process_changes_it()
    {
        await using var a = await Process.StartAsync(await TestStore.CreateAsync());
        await using var b = await Process.StartAsync(await a.Store.OpenAnotherAsync("process-b"));
        var heard = a.Watched.Heard;
        await a.Store.Store.AppendAsync("x", "thing", ExpectedVersion.Any, [new ThingHappened("1")], Meta);
        // Its own write is announced to it too (after the commit): kept from then on.
        await Eventually.TrueAsync(() => Task.FromResult(a.Watched.Heard > heard), Deadline, "process A hears its own change");
        Assert.Equal(1, await a.CountAsync("x"));

        // Kept in memory: a change nobody announced is not seen.
        await OverwriteSilentlyAsync(a.Store, "x", 40);
        Assert.Equal(1, await a.CountAsync("x"));

        // Another process's write is announced at its commit: the next reads see the database again.
        await b.Store.Store.AppendAsync("x", "thing", ExpectedVersion.Any, [new ThingHappened("2")], Meta);
        await Eventually.TrueAsync(async () => await a.CountAsync("x") == 41, Deadline, "process A sees process B's change");
    }

    [Fact]
    public async Task A_process_sees_its_own_change_at_once_and_a_document_that_appears_later()
    {
        await using var a = await Process.StartAsync(await TestStore.CreateAsync());
        Assert.Null(await a.CountAsync("y"));
        await a.Store.Store.AppendAsync("y", "thing", ExpectedVersion.Any, [new ThingHappened("1")], Meta);
        Assert.Equal(1, await a.CountAsync("y"));
        await a.Store.Store.AppendAsync("y", "thing", ExpectedVersion.Any, [new ThingHappened("2")], Meta);
        Assert.Equal(2, await a.CountAsync("y"));
    }

    [Fact]
    public async Task Without_a_listening_connection_every_read_goes_to_the_database()
    {
        await using var t = await TestStore.CreateAsync();
        var watched = new WatchedDocuments(t.Store, ["thing-count"]);
        await t.Store.AddInlineProjectionAsync(new ThingCount());
        await t.Store.AppendAsync("z", "thing", ExpectedVersion.Any, [new ThingHappened("1")], Meta);
        Assert.False(watched.IsListening);
        Assert.Equal(1, (await watched.LoadAsync<CountDocument>("thing-count", "z"))!.Count);
        await OverwriteSilentlyAsync(t, "z", 7);
        Assert.Equal(7, (await watched.LoadAsync<CountDocument>("thing-count", "z"))!.Count);
    }
}
