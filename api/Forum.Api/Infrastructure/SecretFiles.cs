using System.Collections;

namespace Forum.Api.Infrastructure;

/// <summary>
/// Secrets from files named by <c>*_FILE</c> environment variables, as the PostgreSQL image reads them:
/// <c>PersonalData__MasterKey_FILE=/run/secrets/master-key</c> sets <c>PersonalData:MasterKey</c> to the file's content
/// (a final line break dropped); only names of a configuration section count (<c>TF_CLI_CONFIG_FILE</c> is not ours).
/// So every process of a deployment gets the same keys without putting them in its
/// environment, where they would show in process listings and crash reports.
/// </summary>
public static class SecretFiles
{
    private const string Suffix = "_FILE";

    public static IConfigurationBuilder AddSecretFiles(this IConfigurationBuilder builder, IDictionary? environment = null) =>
        builder.AddInMemoryCollection(Read(environment ?? Environment.GetEnvironmentVariables()));

    public static Dictionary<string, string?> Read(IDictionary environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            // Only names of a configuration section (Section__Key_FILE): the machine's own *_FILE variables are not ours.
            if (entry.Key is not string name || !name.EndsWith(Suffix, StringComparison.Ordinal) || !name.Contains("__", StringComparison.Ordinal)
                || entry.Value is not string path)
            {
                continue;
            }

            var key = name[..^Suffix.Length].Replace("__", ":", StringComparison.Ordinal);
            if (!File.Exists(path))
            {
                // The name only, never a content: this message may reach a log.
                throw new InvalidOperationException($"{name} names {path}, which does not exist.");
            }

            values[key] = File.ReadAllText(path).TrimEnd('\r', '\n');
        }

        return values;
    }
}
