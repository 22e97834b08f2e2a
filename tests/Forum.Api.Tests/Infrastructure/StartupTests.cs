using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Notifications;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>Start-up as a deployment does it: real API processes, configured by environment variables, on one database.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Two_processes_started_at_the_same_instant_on_an_empty_database_both_become_ready_and_seed_the_demo_once()
    {
        // A schema nobody made yet: both processes migrate it, register the projections, create Quartz's tables, make
        // the badge keys and seed the demo, at once. The keys are the deployment's, the same for both.
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Forum"] = Environment.GetEnvironmentVariable("FORUM_TEST_DB")!,
            ["EventStore__Schema"] = "start_" + Guid.NewGuid().ToString("N")[..12],
            ["Auth__SigningKey"] = signingKey,
            ["PersonalData__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Demo__Seed"] = "true",
        };
        await using var first = ApiProcess.Start("first", environment);
        await using var second = ApiProcess.Start("second", environment);
        ApiProcess[] processes = [first, second];
        await Task.WhenAll(processes.Select(p => p.WaitReadyAsync(TimeSpan.FromSeconds(240))));
        using var http = new HttpClient();

        Assert.All(processes, p => Assert.False(p.HasExited, p.Tail()));

        // One demo, whichever process seeded it, and each process accepts a token the other would: the key is shared.
        var counts = new List<int>();
        foreach (var process in processes)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(process.BaseAddress, "/api/conferences/global-alliance-2012/delegations"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StaffTokenHandler.Issue(signingKey, "test-organiser", "organiser", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            counts.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength());
            using var agenda = await http.GetAsync(new Uri(process.BaseAddress, "/api/conferences/global-alliance-2012/agenda"));
            Assert.Equal(2, (await agenda.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }

        Assert.Equal([49, 49], counts);
    }
}
