using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CseAirgap.TestServer;

/// <summary>
/// The test servers' HTTP server: Kestrel on 127.0.0.1, one or more ports (each plain HTTP or TLS), no limits on bodies
/// or data rates (a fault server must be free to be slow, and to receive multi-GB uploads), one request handler.
/// </summary>
internal static class KestrelHost
{
    public sealed record Port(int Number, X509Certificate2? Certificate = null);

    public static async Task RunAsync(IEnumerable<Port> ports, RequestDelegate handler, CancellationToken stop)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            foreach (var port in ports)
                kestrel.Listen(IPAddress.Loopback, port.Number, listen =>
                {
                    if (port.Certificate != null) listen.UseHttps(port.Certificate);
                });
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            try
            {
                await handler(context);
            }
            catch (Exception e) when (context.RequestAborted.IsCancellationRequested || e is OperationCanceledException)
            {
                // The client went away (a timeout under test, a cancelled copy): nothing to answer.
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{context.Request.Method} {context.Request.Path}: {e}");
                if (!context.Response.HasStarted) context.Response.StatusCode = 500;
                else context.Abort();
            }
        });
        await app.StartAsync(stop);
        // SIGTERM reaches the host (its console lifetime) before ProcessExit: either ends the wait.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(stop, app.Lifetime.ApplicationStopping);
        try { await Task.Delay(Timeout.Infinite, ended.Token); }
        catch (OperationCanceledException) { }
        // Requests held open on purpose (stalls) must not keep a stopping server alive.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await app.StopAsync(grace.Token);
    }

    /// <summary>A PEM certificate and key (the run's server certificate) for a TLS port.</summary>
    public static X509Certificate2 LoadCertificate(string certFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        // Exported and re-imported: Kestrel needs a key it can use for the handshake on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
