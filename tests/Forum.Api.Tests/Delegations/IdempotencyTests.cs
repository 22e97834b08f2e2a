using System.Text.Json;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Delegations;

[Collection(ApiCollection.Name)]
public sealed class IdempotencyTests(ApiFixture api)
{
    private static string NewKey() => Guid.NewGuid().ToString();

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_first_answer_again_and_creates_nothing()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var key = NewKey();
        var first = await kit.RegisterAsync(DelegationKit.State("BE"), key);
        var retry = await kit.RegisterAsync(DelegationKit.State("BE"), key);

        AssertSameAnswer(first, retry);
        var listed = Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
        Assert.Equal(first.Id, listed.GetProperty("id").GetGuid());
        Assert.Equal(3, listed.GetProperty("members").GetArrayLength());

        // The token of the answer is the delegation's token.
        await (await kit.FocalPointClient(retry).GetAsync(DelegationKit.DelegationUrl(first.Id))).OkJsonAsync();
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_and_nothing_is_created()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var key = NewKey();
        var first = await kit.RegisterAsync(DelegationKit.State("BE"), key);

        await (await kit.RegisterRawAsync(DelegationKit.State("NL"), key)).ProblemAsync(422, "idempotency_key_reused");
        await (await kit.RegisterRawAsync(DelegationKit.State("BE", advisers: 1), key)).ProblemAsync(422, "idempotency_key_reused");

        var listed = Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
        Assert.Equal(first.Id, listed.GetProperty("id").GetGuid());
        Assert.Equal(3, listed.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Three_concurrent_sends_of_one_key_make_one_delegation_and_three_identical_answers()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var key = NewKey();
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => kit.RegisterRawAsync(DelegationKit.State("BE"), key)));
        var answers = new List<Registered>();
        foreach (var response in responses)
        {
            answers.Add(await DelegationKit.ParseRegisteredAsync(response));
        }

        AssertSameAnswer(answers[0], answers[1]);
        AssertSameAnswer(answers[0], answers[2]);
        var listed = Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
        Assert.Equal(answers[0].Id, listed.GetProperty("id").GetGuid());
        Assert.Equal(3, (await kit.WaitingListAsync()).GetProperty("admitted").GetInt32());
    }

    [Fact]
    public async Task Registration_without_the_header_works_and_is_not_deduplicated()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var first = await kit.RegisterAsync(DelegationKit.State("BE"));
        Assert.Equal(43, first.Token.Length);

        // The same body again, without a key, is a second registration attempt: the party is taken.
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"))).ProblemAsync(409, "party_already_registered");
        var second = await kit.RegisterAsync(DelegationKit.State("NL"));
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, (await kit.DelegationsAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Another_key_with_the_same_body_is_a_new_registration_attempt()
    {
        var kit = await DelegationKit.CreateAsync(api);
        await kit.RegisterAsync(DelegationKit.State("BE"), NewKey());
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"), NewKey())).ProblemAsync(409, "party_already_registered");
        Assert.Single((await kit.DelegationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_conference()
    {
        var one = await DelegationKit.CreateAsync(api);
        var other = await DelegationKit.CreateAsync(api);
        var key = NewKey();
        var first = await one.RegisterAsync(DelegationKit.State("BE"), key);
        var second = await other.RegisterAsync(DelegationKit.State("BE"), key);

        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(other.Slug, second.Body.GetProperty("conferenceSlug").GetString());
        Assert.Single((await one.DelegationsAsync()).EnumerateArray());
        Assert.Single((await other.DelegationsAsync()).EnumerateArray());
    }

    internal static void AssertSameAnswer(Registered expected, Registered actual)
    {
        Assert.Equal(expected.Response.StatusCode, actual.Response.StatusCode);
        Assert.Equal(expected.Token, actual.Token);
        Assert.Equal(expected.ETag, actual.ETag);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Response.Headers.Location, actual.Response.Headers.Location);
        Assert.True(JsonElement.DeepEquals(expected.Body, actual.Body), $"The answers differ:\n{expected.Body}\n{actual.Body}");
    }
    [Fact]
    public async Task A_key_is_kept_at_least_a_day_and_forgotten_after_two()
    {
        var kit = await DelegationKit.CreateAsync(api);
        var key = NewKey();
        var first = await kit.RegisterAsync(DelegationKit.State("BE"), key);
        var keys = api.Services.GetRequiredService<Forum.Api.Infrastructure.IdempotencyKeys>();

        await AgeAsync(key, TimeSpan.FromHours(25));
        await keys.DeleteExpiredAsync(CancellationToken.None);
        AssertSameAnswer(first, await kit.RegisterAsync(DelegationKit.State("BE"), key));

        await AgeAsync(key, TimeSpan.FromHours(49));
        Assert.True(await keys.DeleteExpiredAsync(CancellationToken.None) >= 1);

        // Forgotten: the same request is a new attempt, which the party's existing delegation refuses.
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"), key)).ProblemAsync(409, "party_already_registered");
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("k\u00e9y")]
    public async Task A_malformed_key_is_refused_and_nothing_is_created(string header)
    {
        var kit = await DelegationKit.CreateAsync(api);
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"), header)).ProblemAsync(400, "invalid_idempotency_key");
        await (await kit.RegisterRawAsync(DelegationKit.State("BE"), new string('k', 256))).ProblemAsync(400, "invalid_idempotency_key");
        Assert.Empty((await kit.DelegationsAsync()).EnumerateArray());
    }

    private async Task AgeAsync(string key, TimeSpan age)
    {
        var store = api.Services.GetRequiredService<Forum.EventStore.EventStore>();
        await using var cmd = store.DataSource.CreateCommand($"UPDATE \"{store.SchemaName}\".idempotency_keys SET created_at = now() - $2 WHERE key = $1");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = key });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = age });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }
}
