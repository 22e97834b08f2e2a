using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Forum.IdentityProvider;

/// <summary>A staff member who may sign in. The password is kept only as its SHA-256, for the constant-time check.</summary>
public sealed class StaffAccount
{
    public StaffAccount(string subject, string email, string name, IReadOnlyList<string> roles, string password)
    {
        Subject = subject;
        Email = email;
        Name = name;
        Roles = roles;
        PasswordHash = SHA256.HashData(Encoding.UTF8.GetBytes(password));
    }

    public string Subject { get; }

    public string Email { get; }

    public string Name { get; }

    public IReadOnlyList<string> Roles { get; }

    internal byte[] PasswordHash { get; }
}

/// <summary>
/// The staff accounts: those given in configuration (<c>IdentityProvider:Accounts</c>), else those of the accounts
/// file, which is made with three accounts and random passwords when missing.
/// </summary>
public sealed class AccountStore
{
    private static readonly JsonSerializerOptions FileJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Compared against when the e-mail address is unknown, so that an unknown address costs what a known one does.
    private static readonly byte[] NoAccountHash = SHA256.HashData(RandomNumberGenerator.GetBytes(32));

    private readonly Dictionary<string, StaffAccount> _byEmail;
    private readonly Dictionary<string, StaffAccount> _bySubject;

    public AccountStore(IReadOnlyList<StaffAccount> accounts, string source, bool createdFile)
    {
        _byEmail = new Dictionary<string, StaffAccount>(StringComparer.OrdinalIgnoreCase);
        _bySubject = new Dictionary<string, StaffAccount>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            if (!_byEmail.TryAdd(account.Email, account))
            {
                throw new InvalidOperationException($"{source}: the e-mail address {account.Email} is given twice.");
            }

            if (!_bySubject.TryAdd(account.Subject, account))
            {
                throw new InvalidOperationException($"{source}: the subject {account.Subject} is given twice.");
            }
        }

        Accounts = accounts;
        Source = source;
        CreatedFile = createdFile;
    }

    public IReadOnlyList<StaffAccount> Accounts { get; }

    /// <summary>Where the accounts came from (the file's path, or "configuration").</summary>
    public string Source { get; }

    /// <summary>The accounts file was made by this start.</summary>
    public bool CreatedFile { get; }

    public StaffAccount? FindBySubject(string? subject) =>
        subject is not null && _bySubject.TryGetValue(subject, out var account) ? account : null;

    /// <summary>The account if the password is its own; null for a wrong password and an unknown address alike.</summary>
    public StaffAccount? Verify(string? email, string? password)
    {
        var found = _byEmail.GetValueOrDefault((email ?? "").Trim());
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(password ?? ""));
        var matches = CryptographicOperations.FixedTimeEquals(given, found?.PasswordHash ?? NoAccountHash);
        return matches && found is not null && !string.IsNullOrEmpty(password) ? found : null;
    }

    public static AccountStore Load(IdentityProviderOptions options)
    {
        if (options.Accounts.Count > 0)
        {
            return new AccountStore([.. options.Accounts.Select(a => FromEntry(ToEntry(a), "configuration"))], "configuration", createdFile: false);
        }

        var path = options.AccountsFile;
        if (string.IsNullOrWhiteSpace(path) && !string.IsNullOrWhiteSpace(options.KeysPath))
        {
            path = Path.Combine(options.KeysPath, "accounts.json");
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException(
                "No staff accounts: set IdentityProvider:AccountsFile (made with three accounts when missing) or IdentityProvider:Accounts.");
        }

        path = Path.GetFullPath(path);
        var (content, created) = PrivateFile.ReadOrCreate(path, () => JsonSerializer.SerializeToUtf8Bytes(NewAccounts(), FileJson));
        AccountEntry[] entries;
        try
        {
            entries = JsonSerializer.Deserialize<AccountEntry[]>(content, FileJson) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a JSON array of accounts ({e.Message}).", e);
        }

        return new AccountStore([.. entries.Select(e => FromEntry(e, path))], path, created);
    }

    /// <summary>The three accounts of a new file, one per kind of staff, each with its own random password.</summary>
    public static AccountEntry[] NewAccounts() =>
    [
        new() { Email = "organiser@forum.test", Name = "Olivia Organiser", Password = NewPassword(), Roles = ["organiser"] },
        new() { Email = "protocol@forum.test", Name = "Pierre Protocol", Password = NewPassword(), Roles = ["protocol"] },
        new() { Email = "chief@forum.test", Name = "Chiara Chief", Password = NewPassword(), Roles = ["organiser", "protocol"] },
    ];

    public static string NewPassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 16);

    /// <summary>
    /// A subject that never changes for an address and reveals nothing of it: the e-mail address as the Forum's
    /// history would otherwise show it is personal data, and a <c>sub</c> is kept forever.
    /// </summary>
    public static string SubjectFor(string email) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("forum-identity:" + email.Trim().ToLowerInvariant())).AsSpan(0, 16));

    private static AccountEntry ToEntry(AccountOptions a) =>
        new() { Email = a.Email, Name = a.Name, Password = a.Password, Roles = a.Roles, Subject = a.Subject };

    private static StaffAccount FromEntry(AccountEntry entry, string source)
    {
        if (string.IsNullOrWhiteSpace(entry.Email) || string.IsNullOrEmpty(entry.Password))
        {
            throw new InvalidOperationException($"{source}: every account needs an e-mail address and a password.");
        }

        var email = entry.Email.Trim();
        return new StaffAccount(
            string.IsNullOrWhiteSpace(entry.Subject) ? SubjectFor(email) : entry.Subject,
            email,
            string.IsNullOrWhiteSpace(entry.Name) ? email : entry.Name,
            [.. (entry.Roles ?? []).Where(r => !string.IsNullOrWhiteSpace(r)).Distinct(StringComparer.Ordinal)],
            entry.Password);
    }
}

/// <summary>One account as the accounts file holds it.</summary>
public sealed class AccountEntry
{
    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? Password { get; set; }

    public List<string>? Roles { get; set; }

    public string? Subject { get; set; }
}
