using System.Diagnostics;

namespace Forum.Api.Tests.Deployment;

/// <summary>
/// Debian's nginx on a configuration of its own: the API's processes as one upstream, the web client as another.
/// Shared with the benchmarks (linked into Forum.Benchmarks), so it depends on no test framework.
/// A connection refused or reset before an answer sends the request to the other process; only a request already
/// sent to a process that dies is not retried, unless it is idempotent (a GET).
/// </summary>
public sealed class Nginx(int port, int[] apiPorts, int webPort) : IAsyncDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("forum-nginx-").FullName;
    private Process? process;

    public Uri Address => new($"http://127.0.0.1:{port}/");

    public int[] ApiPorts => apiPorts;

    public int WebPort => webPort;

    public string ErrorLog() => File.Exists(Path.Combine(dir, "error.log")) ? string.Join('\n', File.ReadLines(Path.Combine(dir, "error.log")).TakeLast(20)) : "";

    private readonly HashSet<int> down = [];

    private string Conf => Path.Combine(dir, "nginx.conf");

    public async Task StartAsync()
    {
        WriteConf();
        process = Process.Start(new ProcessStartInfo("nginx", ["-p", dir, "-c", Conf, "-g", "daemon off;"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(dir, "nginx.pid")))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("nginx stopped: " + await process.StandardError.ReadToEndAsync());
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("nginx did not start");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Takes an API process out of the upstream (or puts it back), as an orchestrator deregisters a process before
    /// stopping it: nginx reloads, and this returns once the workers of the old configuration have finished their
    /// requests and exited, so that nothing more reaches the process.
    /// </summary>
    public async Task SetDownAsync(int apiPort, bool isDown)
    {
        if (isDown ? !down.Add(apiPort) : !down.Remove(apiPort))
        {
            return;
        }

        var workers = Workers();
        WriteConf();
        using (var reload = Process.Start(new ProcessStartInfo("nginx", ["-p", dir, "-c", Conf, "-s", "reload"]) { UseShellExecute = false })!)
        {
            await reload.WaitForExitAsync();
            if (reload.ExitCode != 0)
            {
                throw new InvalidOperationException($"nginx -s reload failed ({reload.ExitCode}): {ErrorLog()}");
            }
        }

        var deadline = Stopwatch.StartNew();
        while (workers.Any(pid => Directory.Exists($"/proc/{pid}")))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("nginx's old workers did not finish");
            }

            await Task.Delay(20);
        }
    }

    private List<int> Workers() =>
        File.ReadAllText($"/proc/{process!.Id}/task/{process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();

    private void WriteConf()
    {
        File.WriteAllText(Conf, $$"""
            {{(Environment.UserName == "root" ? "user root;" : "")}}
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path {{dir}}/body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                upstream api {
                    {{string.Join("\n", apiPorts.Select(p => $"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s{(down.Contains(p) ? " down" : "")};"))}}
                }
                upstream web { server 127.0.0.1:{{webPort}}; }
                proxy_connect_timeout 2s;
                proxy_read_timeout 60s;
                proxy_next_upstream error timeout http_502 http_503;
                proxy_next_upstream_tries 2;
                proxy_set_header Host $http_host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                server {
                    listen 127.0.0.1:{{port}};
                    location /api/ { proxy_pass http://api; }
                    location /calendars/ { proxy_pass http://api; }
                    location /webhooks/ { proxy_pass http://api; }
                    location /health { proxy_pass http://api; }
                    location = /metrics { return 404; }
                    location / { proxy_pass http://web; }
                }
            }
            """);
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
