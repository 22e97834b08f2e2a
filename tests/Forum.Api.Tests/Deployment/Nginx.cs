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

    public async Task StartAsync()
    {
        var conf = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(conf, $$"""
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
                    {{string.Join("\n", apiPorts.Select(p => $"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;"))}}
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
        process = Process.Start(new ProcessStartInfo("nginx", ["-p", dir, "-c", conf, "-g", "daemon off;"])
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
