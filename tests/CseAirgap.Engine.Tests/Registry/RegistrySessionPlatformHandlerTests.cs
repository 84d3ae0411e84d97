using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tls;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// The platform handler a session builds, seen through the injected factory: the TLS versions it offers and its proxy.
/// Then a real handshake with a server that speaks TLS 1.2 alone (OpenSSL's s_server, an independent implementation).
/// </summary>
public sealed class RegistrySessionPlatformHandlerTests
{
    private static HttpClientHandler Built(RegistrySessionOptions options)
    {
        HttpClientHandler? built = null;
        using var session = new RegistrySession(options, handler =>
        {
            built = handler;
            return new HttpClientHandler();
        });
        return built!;
    }

    [Fact]
    public void TheHandlerOffersTheChosenTlsVersionsExplicitly()
    {
        // Unset (SslProtocols.None), .NET Framework would take ServicePointManager's SSL 3/TLS 1.0 in powershell.exe.
        var windows10 = new TlsProtocolChoice(runtimeNamesTls13: true, isWindows: true, new Version(10, 0, 19045));
        Assert.Equal(SslProtocols.Tls12, Built(new RegistrySessionOptions { Tls = windows10 }).SslProtocols);
        Assert.Equal(TlsProtocolChoice.ForThisPlatform.Offered, Built(new RegistrySessionOptions()).SslProtocols);
    }

    [Fact]
    public void AGivenProxyCarriesItsOwnCredentialAndNoProxyConnectsDirectly()
    {
        var account = new NetworkCredential("proxyuser", "proxypass");
        var viaProxy = Built(new RegistrySessionOptions { Proxy = new Uri("http://proxy.test:3128"), ProxyCredential = account });
        Assert.True(viaProxy.UseProxy);
        var proxy = Assert.IsType<WebProxy>(viaProxy.Proxy);
        Assert.Equal(new Uri("http://proxy.test:3128"), proxy.Address);
        Assert.Same(account, proxy.Credentials);
        // The handler's own Credentials (sent to servers) stay empty: the proxy's account is not a registry's.
        Assert.Null(viaProxy.Credentials);

        var systemProxy = Built(new RegistrySessionOptions { ProxyCredential = account });
        Assert.True(systemProxy.UseProxy);
        Assert.Same(account, systemProxy.DefaultProxyCredentials);

        Assert.False(Built(new RegistrySessionOptions { NoProxy = true }).UseProxy);
    }

    [Fact]
    public async Task TheSessionsHandlerAndTheProbeCompleteAHandshakeWithATls12OnlyServer()
    {
        var folder = Directory.CreateTempSubdirectory("cse-tls12-");
        try
        {
            var cert = Path.Combine(folder.FullName, "cert.pem");
            var key = Path.Combine(folder.FullName, "key.pem");
            Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
            var port = FreePort();
            using var server = Start("openssl", "s_server", "-accept", $"127.0.0.1:{port}", "-tls1_2", "-cert", cert, "-key", key, "-www");
            try
            {
                await WaitForListening(port, server);
                var options = new RegistrySessionOptions { Trust = new RegistryTrust(null, true) };
                // s_server serves one connection at a time: the client's pooled connection is closed before the probe.
                using (var invoker = new HttpMessageInvoker(Built(options)))
                using (var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{port}/"))
                using (var response = await invoker.SendAsync(request, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token))
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);

                var probe = await TlsProbe.ProbeAsync("127.0.0.1", port, null, TimeSpan.FromSeconds(30), options.Tls, CancellationToken.None);
                Assert.NotEmpty(probe.Chain);
            }
            finally
            {
                server.Kill();
                server.WaitForExit();
            }
        }
        finally
        {
            folder.Delete(true);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Connects until s_server listens (its ACCEPT line sits in a pipe buffer, unflushed): a readiness poll with a
    /// bound, not a wait for time to pass. A server that exits first fails the test at once.
    /// </summary>
    private static async Task WaitForListening(int port, Process server)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(server.HasExited, "openssl s_server exited early");
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50);
            }
        }
    }

    private static Process Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Start(file, arguments);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error.Result}");
    }
}
