using System.Diagnostics;
using System.Net;
using System.Text;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Forum.Api.Tests.Notifications;

[Collection(ApiCollection.Name)]
public sealed class OutboxTests(ApiFixture api, LocalSendGrid sendGrid) : IClassFixture<LocalSendGrid>, IAsyncLifetime
{
    private readonly List<MailDispatcher> dispatchers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Each dispatcher holds its presence on a connection of its own until disposed.</summary>
    public async Task DisposeAsync()
    {
        foreach (var dispatcher in dispatchers)
        {
            await dispatcher.DisposeAsync();
        }
    }

    private MailOutbox Outbox => api.Services.GetRequiredService<MailOutbox>();

    private PersonalDataVault Vault => api.Services.GetRequiredService<PersonalDataVault>();

    /// <summary>A dispatcher as a process runs it, sending to the local SendGrid.</summary>
    private MailDispatcher Dispatcher(string? key = LocalSendGrid.ApiKey)
    {
        var dispatcher = new MailDispatcher(Outbox, sendGrid.Client(key), api.Services.GetRequiredService<SendGridWebhook>(), Vault, TimeProvider.System, NullLogger<MailDispatcher>.Instance);
        dispatchers.Add(dispatcher);
        return dispatcher;
    }

    private Task<(string Slug, List<OutboxMail> Mails, List<Guid> Subjects)> EnqueueAsync(int count, string to = "member{0}@example.org") =>
        MailTestKit.EnqueueAsync(api, count, to);

    /// <summary>Dispatches this test's conference only: other tests' mails share the outbox.</summary>
    private static async Task DrainAsync(string slug, params MailDispatcher[] dispatchers)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var handled = await Task.WhenAll(dispatchers.Select(d => d.DispatchAsync(10, CancellationToken.None, slug)));
            if (handled.Sum() == 0)
            {
                return;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the outbox did not drain");
        }
    }

    [Fact]
    public async Task Two_dispatchers_send_every_due_mail_exactly_once_and_mark_it_sent_with_SendGrid_s_id()
    {
        var (slug, mails, _) = await EnqueueAsync(40);
        await DrainAsync(slug, Dispatcher(), Dispatcher());

        foreach (var mail in mails)
        {
            Assert.Single(await sendGrid.ArrivedAsync(mail.Id.ToString()));
        }

        var stored = await Outbox.ListAsync(slug, null, CancellationToken.None);
        Assert.All(stored, m =>
        {
            Assert.Equal(MailState.Sent, m.State);
            Assert.Equal(1, m.Attempts);
            Assert.False(string.IsNullOrEmpty(m.ProviderMessageId));
        });

        // A cause yields its mail once: enqueueing the same causes again adds nothing.
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await Outbox.EnqueueAsync(connection, tx, mails.Select(m => m with { Id = Guid.CreateVersion7() }).ToList(), CancellationToken.None);
        await tx.CommitAsync();
        Assert.Equal(40, (await Outbox.ListAsync(slug, null, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_rate_limited_mail_waits_until_the_limit_resets_without_counting_an_attempt()
    {
        var (slug, _, _) = await EnqueueAsync(1);
        await sendGrid.FaultsAsync(new { status = 429, retryAfterSeconds = 120 });
        Assert.Equal(1, await Dispatcher().DispatchAsync(10, CancellationToken.None, slug));
        var mail = Assert.Single(await Outbox.ListAsync(slug, null, CancellationToken.None));
        Assert.Equal(MailState.Waiting, mail.State);
        Assert.Equal(0, mail.Attempts);
        Assert.InRange(mail.DueAt, DateTimeOffset.UtcNow.AddSeconds(100), DateTimeOffset.UtcNow.AddSeconds(140));
    }

    [Fact]
    public async Task A_refused_mail_is_dead_with_SendGrid_s_messages_listed_for_organisers_and_can_be_retried()
    {
        var (slug, mails, _) = await EnqueueAsync(1, to: "not an address {0}");
        await DrainAsync(slug, Dispatcher());
        var organiser = api.Organiser();
        var dead = await (await organiser.GetAsync($"/api/conferences/{slug}/mail?state=Dead")).OkJsonAsync();
        var listed = Assert.Single(dead.EnumerateArray());
        Assert.Equal(mails[0].Id, listed.GetProperty("id").GetGuid());
        Assert.Contains("personalizations.0.to.0.email", listed.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal("not an address 0", listed.GetProperty("to").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await organiser.PostAsync($"/api/conferences/{slug}/mail/{mails[0].Id}/retry", null)).StatusCode);
        Assert.Equal(MailState.Waiting, Assert.Single(await Outbox.ListAsync(slug, null, CancellationToken.None)).State);
        await (await organiser.PostAsync($"/api/conferences/{slug}/mail/{Guid.NewGuid()}/retry", null)).ProblemAsync(404, "not_found");
        await (await api.As(Roles.Protocol).GetAsync($"/api/conferences/{slug}/mail")).ProblemAsync(403, "forbidden");
        await (await organiser.GetAsync($"/api/conferences/{slug}/mail?state=Lost")).ProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task A_mail_whose_recipient_was_erased_before_it_went_out_is_dropped_unsent()
    {
        var (slug, mails, subjects) = await EnqueueAsync(1);
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await Vault.EraseAsync(connection, tx, subjects, CancellationToken.None);
            await tx.CommitAsync();
        }

        await DrainAsync(slug, Dispatcher());
        Assert.Equal(MailState.Dropped, Assert.Single(await Outbox.ListAsync(slug, null, CancellationToken.None)).State);
        Assert.Empty(await sendGrid.ArrivedAsync(mails[0].Id.ToString()));
    }

    [Fact]
    public async Task A_refused_key_stops_sending_and_the_dispatcher_says_why()
    {
        var (slug, _, _) = await EnqueueAsync(1);
        var dispatcher = Dispatcher(key: "SG.wrong-key");
        Assert.Equal(1, await dispatcher.DispatchAsync(10, CancellationToken.None, slug));
        Assert.NotNull(dispatcher.Refusal);
        Assert.Equal(0, await dispatcher.DispatchAsync(10, CancellationToken.None, slug));
        var mail = Assert.Single(await Outbox.ListAsync(slug, null, CancellationToken.None));
        Assert.Equal(MailState.Waiting, mail.State);
        Assert.Equal(0, mail.Attempts);
        Assert.Contains("401", mail.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_that_pass_are_tried_later_with_growing_waits_and_the_last_one_kills_the_mail()
    {
        Assert.InRange(MailDispatcher.Backoff(1).TotalSeconds, 24, 36);
        Assert.InRange(MailDispatcher.Backoff(3).TotalSeconds, 96, 144);
        Assert.InRange(MailDispatcher.Backoff(20).TotalSeconds, 2880, 4320);

        var (slug, _, _) = await EnqueueAsync(1);
        await sendGrid.FaultsAsync(new { status = 503 }, new { status = 503 }, new { status = 503 }, new { status = 503 });
        Assert.Equal(1, await Dispatcher().DispatchAsync(10, CancellationToken.None, slug));
        var mail = Assert.Single(await Outbox.ListAsync(slug, null, CancellationToken.None));
        Assert.Equal(MailState.Waiting, mail.State);
        Assert.Equal(1, mail.Attempts);
        Assert.InRange(mail.DueAt, DateTimeOffset.UtcNow.AddSeconds(20), DateTimeOffset.UtcNow.AddSeconds(40));
        Assert.Contains("503", mail.LastError, StringComparison.Ordinal);

        // Due again with all but one attempt spent: the last failure kills it.
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var cmd = dataSource.CreateCommand($"UPDATE \"{api.Schema}\".mail_outbox SET attempts = $2, due_at = now() WHERE conference_slug = $1"))
        {
            cmd.Parameters.AddWithValue(slug);
            cmd.Parameters.AddWithValue(MailDispatcher.MaxAttempts - 1);
            await cmd.ExecuteNonQueryAsync();
        }

        await sendGrid.FaultsAsync(new { status = 503 }, new { status = 503 }, new { status = 503 }, new { status = 503 });
        Assert.Equal(1, await Dispatcher().DispatchAsync(10, CancellationToken.None, slug));
        var dead = Assert.Single(await Outbox.ListAsync(slug, null, CancellationToken.None));
        Assert.Equal(MailState.Dead, dead.State);
        Assert.Equal(MailDispatcher.MaxAttempts, dead.Attempts);
    }

    [Fact]
    public async Task A_dead_dispatcher_s_claims_are_taken_at_once_and_what_SendGrid_reported_is_not_sent_again()
    {
        var (slug, mails, _) = await EnqueueAsync(2, "takeover{0}@example.org");

        // A dispatcher claims both under a long lease, then its process dies: its session, and its presence lock, end.
        var dead = new DispatcherPresence(Outbox, TimeProvider.System);
        var claimed = await Outbox.ClaimAsync("elsewhere/1/dead", await dead.EnsureAsync(CancellationToken.None), 10, TimeSpan.FromMinutes(5), CancellationToken.None, slug);
        Assert.Equal(2, claimed.Count);
        Assert.All(claimed, m => Assert.False(m.TakenOver));
        var live = Dispatcher();
        Assert.Equal(0, await live.DispatchAsync(10, CancellationToken.None, slug));

        // SendGrid had accepted the first before the death (its event came); the second may have been on its way.
        var reported = Encoding.UTF8.GetBytes($$"""
            [{"email":"takeover0@example.org","event":"processed","sg_event_id":"takeover-{{mails[0].Id}}","forum_message_id":"{{mails[0].Id}}","timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}]
            """);
        await api.Services.GetRequiredService<SendGridWebhook>().RecordAsync(reported, CancellationToken.None);
        await dead.DisposeAsync();

        // Taken at once, long before the lease ends: the reported one is marked sent, the other waits a moment for
        // SendGrid's events, without counting an attempt, and then goes, once.
        Assert.Equal(2, await live.DispatchAsync(10, CancellationToken.None, slug));
        var stored = (await Outbox.ListAsync(slug, null, CancellationToken.None)).ToDictionary(m => m.Id);
        Assert.Equal(MailState.Sent, stored[mails[0].Id].State);
        Assert.Empty(await sendGrid.ArrivedAsync(mails[0].Id.ToString()));
        Assert.Equal(MailState.Waiting, stored[mails[1].Id].State);
        Assert.Equal(1, stored[mails[1].Id].Attempts);
        Assert.InRange(stored[mails[1].Id].DueAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + MailDispatcher.TakeoverGrace + TimeSpan.FromSeconds(1));

        var deadline = Stopwatch.StartNew();
        while ((await Outbox.ListAsync(slug, null, CancellationToken.None)).Any(m => m.State != MailState.Sent))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the mail taken over was never sent");
            await live.DispatchAsync(10, CancellationToken.None, slug);
            await Task.Delay(100);
        }

        Assert.Single(await sendGrid.ArrivedAsync(mails[1].Id.ToString()));
        Assert.Empty(await sendGrid.ArrivedAsync(mails[0].Id.ToString()));
    }

    [Fact]
    public async Task A_claim_and_its_mark_read_only_the_mails_they_take_from_a_burst_in_an_outbox_never_analysed()
    {
        // An outbox of its own, with no dispatcher, never analysed (as after a deployment): PostgreSQL's default guesses
        // make its waiting mails look few, whatever their number. Then a burst.
        await using var quiet = new QuietApi();
        var dataSource = quiet.Services.GetRequiredService<NpgsqlDataSource>();
        var table = $"\"{quiet.Schema}\".mail_outbox";
        var (slug, mails, _) = await MailTestKit.EnqueueAsync(quiet, 3_000);
        var outbox = quiet.Services.GetRequiredService<MailOutbox>();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        async Task<(long Table, long Due)> ReadSoFarAsync()
        {
            // Rows of the table read by scans of any kind, and entries the waiting mails' index gave, in this transaction.
            await using var cmd = new NpgsqlCommand(
                $"""
                SELECT pg_stat_get_xact_tuples_returned('{table}'::regclass) + pg_stat_get_xact_tuples_fetched('{table}'::regclass),
                       pg_stat_get_xact_tuples_returned('"{quiet.Schema}".mail_outbox_due'::regclass)
                """,
                connection);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        var claimed = await outbox.ClaimAsync("test/claim", 1, 64, TimeSpan.FromMinutes(1), CancellationToken.None, slug, connection);
        Assert.Equal(mails.Take(64).Select(m => m.Id), claimed.Select(m => m.Id));
        var afterClaim = await ReadSoFarAsync();
        // The index walked in its order, stopping at the 64th (a plan that read and sorted every waiting mail read 3,000).
        Assert.True(afterClaim.Due is >= 64 and <= 70 && afterClaim.Table <= 2 * 70, $"the claim read {afterClaim.Due} index entries and {afterClaim.Table} rows");

        await outbox.SentAsync(claimed.Select(m => (m.Id, (string?)"sg")).ToList(), "test/claim", CancellationToken.None, connection);
        var afterMark = await ReadSoFarAsync();
        // Marked by id: not through the waiting mails' index (that plan read every waiting mail for each batch marked).
        Assert.Equal(afterClaim.Due, afterMark.Due);
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE conference_slug = '{slug}' AND state = 'Sent'", connection))
        {
            Assert.Equal(64L, await count.ExecuteScalarAsync());
        }
    }

    /// <summary>The API on a schema of its own, without jobs: nothing sends but the test.</summary>
    private sealed class QuietApi : ApiFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Jobs:Enabled", "false");
        }
    }
}
