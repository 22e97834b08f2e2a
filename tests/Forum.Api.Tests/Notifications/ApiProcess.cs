using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Forum.Api.Tests.Notifications;

/// <summary>
/// The built API (api/Forum.Api/bin/&lt;configuration&gt;/net10.0/Forum.Api.dll), or the web client, as a real child process, configured by
/// environment variables as a deployment would be; killed with SIGKILL when a test wants a crash. Shared with the
/// benchmarks (linked into Forum.Benchmarks), so it depends on no test framework.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApiProcess(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        this.process = process;
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => process.Id;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public bool HasExited => process.HasExited;

    /// <summary>The last lines it wrote (for a failure's message).</summary>
    public string Tail(int lines = 40) => string.Join('\n', output.TakeLast(lines));

    /// <summary>What every API process of a deployment is given: the database, its schema, the staff token key and a new personal-data key.</summary>
    public static Dictionary<string, string> Settings(string connectionString, string schema, string signingKey) => new()
    {
        ["ConnectionStrings__Forum"] = connectionString,
        ["EventStore__Schema"] = schema,
        ["Auth__SigningKey"] = signingKey,
        ["PersonalData__MasterKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>Starts the API dll of the same configuration as the caller's build, on <paramref name="port"/> or a free loopback port.</summary>
    public static ApiProcess Start(string name, IReadOnlyDictionary<string, string> environment, int? port = null) =>
        Start(name, Built("api", "Forum.Api"), environment, port);

    /// <summary>Starts the web client's dll (web/Forum.Web) the same way.</summary>
    public static ApiProcess StartWeb(string name, IReadOnlyDictionary<string, string> environment, int? port = null) =>
        Start(name, Built("web", "Forum.Web"), environment, port);

    private static ApiProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, int? port)
    {
        port ??= FreePort();
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // Warnings and up, and the host's own lines (this class waits for "Application started.").
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var api = new ApiProcess(name, port.Value, process);
        process.OutputDataReceived += (_, e) => api.Line(e.Data);
        process.ErrorDataReceived += (_, e) => api.Line(e.Data);
        process.Exited += (_, _) => api.started.TrySetException(new InvalidOperationException($"{name} exited during start-up:\n{api.Tail()}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    /// <summary>Until it says it has started (the host's "Application started."), or fails after <paramref name="within"/>.</summary>
    public async Task WaitStartedAsync(TimeSpan within)
    {
        try
        {
            await started.Task.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not start within {within.TotalSeconds:N0} s:\n{Tail()}");
        }
    }

    /// <summary>Until it has started and <c>/health/ready</c> answers 200 (database reachable, projections caught up), or fails after <paramref name="within"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        await WaitStartedAsync(within);
        using var http = new HttpClient { BaseAddress = BaseAddress };
        var last = "no answer";
        while (true)
        {
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            if (deadline.Elapsed > within)
            {
                throw new TimeoutException($"{Name} was not ready within {within.TotalSeconds:N0} s ({last}):\n{Tail()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown, no finally, no flush; leases and fired triggers are left as they were.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a process: it shuts down gracefully.</summary>
    public void Terminate()
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>Until it has exited, or fails after <paramref name="within"/>.</summary>
    public async Task WaitExitedAsync(TimeSpan within)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not exit within {within.TotalSeconds:N0} s:\n{Tail()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 400 && output.TryDequeue(out _))
        {
        }

        if (line.Contains("Application started.", StringComparison.Ordinal))
        {
            started.TrySetResult();
        }
    }

    private static string Built(string folder, string project)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forum.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("Forum.sln not found above " + AppContext.BaseDirectory);
        }

        // The caller's own configuration (bin/Debug/... or bin/Release/...): the API project was built with it.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(dir.FullName, folder, project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
