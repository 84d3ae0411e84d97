using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;

namespace CseAirgap.Engine.Registry;

/// <summary>Settings shared by every registry a command talks to.</summary>
public sealed class RegistrySessionOptions
{
    public RegistryTrust Trust { get; set; } = new(null, false);
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>Requests in flight to one registry (Harbor suffers under unbounded parallel pushes).</summary>
    public int MaxRequestsPerRegistry { get; set; } = 16;

    /// <summary>Blobs above this size are uploaded in PATCH chunks instead of one PUT.</summary>
    public long ChunkedUploadThreshold { get; set; } = 2L * 1024 * 1024 * 1024;
    public int ChunkSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Diagnostic lines (verbose); never given a secret.</summary>
    public Action<string>? Log { get; set; }
}

/// <summary>
/// One HTTP connection pool and one client per registry for the life of a command, so tokens,
/// learned auth schemes and connections are reused across images.
/// </summary>
public sealed class RegistrySession : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, RegistryClient> _clients = new(StringComparer.OrdinalIgnoreCase);

    public RegistrySession(RegistrySessionOptions options)
    {
        Options = options;
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = true,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = Math.Max(2, options.MaxRequestsPerRegistry),
            UseProxy = true,
        };
        handler.ServerCertificateCustomValidationCallback = (_, cert, chain, errors) => options.Trust.Validate(cert, chain, errors);
        // Blobs can be gigabytes: cancellation, not a global timeout, ends a transfer.
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("CseAirgap/" + typeof(RegistrySession).Assembly.GetName().Version);
    }

    public RegistrySessionOptions Options { get; }

    /// <summary>The client for a registry; the credential is used only for this registry's own requests and token service.</summary>
    public RegistryClient For(RegistryAddress address, NetworkCredential? credential) =>
        _clients.GetOrAdd((address.UseHttps ? "https://" : "http://") + address.Host,
            _ => new RegistryClient(_http, address, credential, Options));

    public void Dispose() => _http.Dispose();
}
