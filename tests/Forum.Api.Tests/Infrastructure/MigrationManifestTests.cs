using System.Security.Cryptography;
using System.Text;
using Forum.Api.Infrastructure;
using Forum.Api.Tests.Infrastructure;
using Forum.EventStore;
using Microsoft.Extensions.DependencyInjection;

namespace Forum.Api.Tests.Infrastructure;

/// <summary>
/// Migrations are applied by their number within their component: once a database has run one, an entry before it
/// that changes, or a new entry put before it, is never run there (twice an outbox migration was put in the middle of
/// the notifications' list, and databases made before could no longer start). migrations.manifest records a hash of
/// every entry; a new migration appends its line there.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MigrationManifestTests(ApiFixture api)
{
    private static string ManifestPath => Path.Combine(AppContext.BaseDirectory, "Infrastructure", "migrations.manifest");

    [Fact]
    public void Every_migration_once_released_stays_as_it_was_and_new_ones_come_last()
    {
        var current = Current();
        var recorded = File.ReadAllLines(ManifestPath)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(f => (Component: f[0], Index: int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), Hash: f[2]))
            .ToList();

        var problems = new List<string>();
        foreach (var (component, index, hash) in recorded)
        {
            var list = current.GetValueOrDefault(component) ?? [];
            if (index >= list.Count)
            {
                problems.Add($"{component} #{index + 1} was released and is gone");
            }
            else if (Hash(list[index]) != hash)
            {
                problems.Add($"{component} #{index + 1} changed or a new migration was put before it: add new ones at the end of the list");
            }
        }

        foreach (var (component, list) in current)
        {
            for (var index = recorded.Count(r => r.Component == component); index < list.Count; index++)
            {
                problems.Add($"{component} #{index + 1} is new: append to {ManifestPath}: {component}\t{index}\t{Hash(list[index])}\t{Summary(list[index])}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private Dictionary<string, IReadOnlyList<string>> Current()
    {
        var lists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["store"] = Schema.StoreMigrations,
            ["personal-data"] = PersonalDataVault.Migrations,
            ["idempotency"] = IdempotencyKeys.Migrations,
            // The job store's tables live in a schema named after the store's: hashed for a store named "forum".
            ["quartz"] = Jobs.Migrations("forum"),
        };
        foreach (var (component, migrations) in api.Services.GetServices<IEventSourcedFeature>().SelectMany(f => f.Migrations))
        {
            lists.Add(component, migrations);
        }

        return lists;
    }

    private static string Hash(string migration) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(migration.ReplaceLineEndings("\n"))))[..16];

    private static string Summary(string migration) =>
        string.Join(' ', migration.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Take(6));
}
