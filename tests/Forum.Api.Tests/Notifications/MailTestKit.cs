using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Forum.Api.Tests.Notifications;

public static class MailTestKit
{
    /// <summary>Mails for a fresh conference, each sealed with its recipient's own key, put in the outbox as the producing projection does.</summary>
    public static async Task<(string Slug, List<OutboxMail> Mails, List<Guid> Subjects)> EnqueueAsync(ApiFixture api, int count, string to = "member{0}@example.org")
    {
        var slug = ApiFixture.NewSlug();
        var keys = new List<SubjectKey>();
        var mails = new List<OutboxMail>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            var key = PersonalDataVault.NewKey(Guid.CreateVersion7());
            keys.Add(key);
            var body = new SendGridMail(
                [new MailPersonalization([new MailAddress(string.Format(System.Globalization.CultureInfo.InvariantCulture, to, i))])],
                new MailAddress("noreply@forum.example.org", "Forum"), $"Test mail {i}", [new MailContent("text/plain", "Hello.")],
                Headers: new Dictionary<string, string> { ["X-Forum-Message-Id"] = id.ToString() },
                CustomArgs: new Dictionary<string, string> { ["forum_message_id"] = id.ToString() });
            mails.Add(new OutboxMail(id, $"test:{id}", slug, null, "test", PersonalDataVault.Seal(key, body), MailState.Waiting, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }

        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await api.Services.GetRequiredService<PersonalDataVault>().SaveKeysAsync(connection, tx, keys, CancellationToken.None);
        await api.Services.GetRequiredService<MailOutbox>().EnqueueAsync(connection, tx, mails, CancellationToken.None);
        await tx.CommitAsync();
        return (slug, mails, keys.Select(k => k.Subject).ToList());
    }
}
