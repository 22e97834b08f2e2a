namespace Forum.IdentityProvider;

/// <summary>
/// Files holding secrets (keys, passwords): readable by their owner only (0600 on Unix) from the instant they exist,
/// made once, so that two processes starting at once on one folder end up with the same content.
/// </summary>
public static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode OwnerOnlyFolder = OwnerOnly | UnixFileMode.UserExecute;

    private static readonly TimeSpan WriteWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The file's bytes; when there is no file, <paramref name="create"/>'s are written to it first (a newline is
    /// added if they do not end with one). The file is made with FileMode.CreateNew (O_CREAT|O_EXCL: of two starts,
    /// exactly one makes it; mode 0600 at creation), and whoever loses reads the winner's.
    /// </summary>
    public static (byte[] Content, bool Created) ReadOrCreate(string path, Func<byte[]> create)
    {
        if (!File.Exists(path))
        {
            CreateFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var content = create();
            if (content is [.., not (byte)'\n'] or [])
            {
                content = [.. content, (byte)'\n'];
            }

            try
            {
                // FileShare.Read: a racing start may open the file while it is written here (and waits for its end).
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = OwnerOnly;
                }

                using var stream = new FileStream(path, options);
                stream.Write(content);
                stream.Flush(flushToDisk: true);
                return (content, true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another start made it first: theirs is the one everybody uses.
            }
        }

        return (ReadWhole(path), false);
    }

    /// <summary>Makes the folder (0700) if missing; an existing folder is left as it is.</summary>
    public static void CreateFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }
    }

    /// <summary>
    /// The file, once whole: a file made by a start racing this one may still be being written. Every file made here
    /// ends with a newline, so one without it that was written to a moment ago is read again (for a few seconds at
    /// most); a file written by hand without a final newline is read at once.
    /// </summary>
    private static byte[] ReadWhole(string path)
    {
        var deadline = DateTime.UtcNow + WriteWait;
        while (true)
        {
            try
            {
                var content = File.ReadAllBytes(path);
                var settled = DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > TimeSpan.FromSeconds(2);
                if (content is [.., (byte)'\n'] || settled || DateTime.UtcNow > deadline)
                {
                    return content;
                }
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Locked by the start writing it: read again in a moment.
            }

            Thread.Sleep(20);
        }
    }
}
