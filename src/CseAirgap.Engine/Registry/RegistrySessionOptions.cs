using System;
using System.Net;
using CseAirgap.Engine.Tls;

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

    /// <summary>When a large blob is fetched in bounded ranges over several connections.</summary>
    public RangedFetchSettings RangedFetch { get; set; } = new();

    /// <summary>
    /// The longest wait for the next byte of a body, and for the answer (status and headers) to a request whose body
    /// is not streamed, connecting included. A registry silent for longer fails the request as RegistryTimeout.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most pages a _catalog or tags/list is followed over (1000 entries a page).</summary>
    public int MaxPages { get; set; } = 1000;

    /// <summary>Redirects followed for one GET or HEAD (registries send blob downloads to storage on another host).</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>The TLS versions offered (Test-CsePrerequisite's probe uses the same choice).</summary>
    public TlsProtocolChoice Tls { get; set; } = TlsProtocolChoice.ForThisPlatform;

    /// <summary>The proxy every registry request goes through; null for the system's (environment variables, WinINET/WinHTTP).</summary>
    public Uri? Proxy { get; set; }

    /// <summary>Whether to connect directly, ignoring any system proxy (-NoProxy).</summary>
    public bool NoProxy { get; set; }

    /// <summary>The credential for the proxy (-Proxy's or the system's); sent only to the proxy, as Proxy-Authorization.</summary>
    public NetworkCredential? ProxyCredential { get; set; }

    /// <summary>Diagnostic lines (verbose); never given a secret.</summary>
    public Action<string>? Log { get; set; }
}
