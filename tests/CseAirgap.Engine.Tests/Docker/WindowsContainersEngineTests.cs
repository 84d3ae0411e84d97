using System.Net;
using System.Net.Sockets;
using System.Text;
using CseAirgap.Engine.Docker;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Docker;

/// <summary>
/// A Docker engine in Windows-containers mode, as far as its API shows it: /info says OSType "windows". The suite's
/// dockerd is Linux, so this engine is an HTTP listener answering what Docker's API documents for /info.
/// </summary>
public sealed class WindowsContainersEngineTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<string> _requests = new();
    private readonly Uri _endpoint;
    private readonly string _destination = Path.Combine(Path.GetTempPath(), "cse-wincontainers-" + Guid.NewGuid().ToString("N"));

    public WindowsContainersEngineTests()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            lock (_requests) _requests.Add(context.Request.HttpMethod + " " + context.Request.Url!.PathAndQuery);
            var path = context.Request.Url!.AbsolutePath;
            var body = path.EndsWith("/info", StringComparison.Ordinal)
                ? "{\"OSType\":\"windows\",\"OperatingSystem\":\"Windows Server 2022 Datacenter\",\"Architecture\":\"x86_64\"}"
                : path.EndsWith("/version", StringComparison.Ordinal)
                    ? "{\"Version\":\"27.3.1\",\"ApiVersion\":\"1.47\",\"Os\":\"windows\",\"Arch\":\"amd64\"}"
                    : "{\"message\":\"no matching manifest for windows/amd64 10.0.20348 in the manifest list entries\"}";
            context.Response.StatusCode = body.Contains("message") ? 404 : 200;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    [Fact]
    public async Task A_Windows_containers_engine_is_refused_before_any_pull_saying_to_switch_or_use_the_Registry_engine()
    {
        var exporter = new DockerImageExporter(_endpoint, null);
        var image = ImageReference.Parse("projects.registry.vmware.com/vmware-cloud-director/getting-started-airgapped:v0.1.4");

        var e = await Assert.ThrowsAsync<DockerEngineNotLinuxException>(() => exporter.ExpandAsync(image, null, null, _destination, null, CancellationToken.None));

        Assert.Equal("DockerEngineNotLinux", e.ErrorId);
        Assert.Equal("windows", e.OSType);
        Assert.Contains("Switch Docker Desktop to Linux containers", e.Message);
        Assert.Contains("-Engine Registry", e.Message);
        lock (_requests) Assert.DoesNotContain(_requests, r => r.Contains("/images/create") || r.Contains("/containers/create"));
        Assert.False(Directory.Exists(_destination));
    }

    [Fact]
    public async Task Test_CsePrerequisite_fails_its_Docker_check_for_a_Windows_containers_engine_saying_to_switch()
    {
        var result = await CseAirgap.Engine.Checks.PrerequisiteInspector.CheckDockerAsync(_endpoint, CancellationToken.None);

        Assert.Equal(CseAirgap.Engine.Checks.CheckStatus.Failed, result.Status);
        Assert.Contains("windows containers", result.Detail);
        Assert.Contains("switch Docker Desktop to Linux containers", result.Detail);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
