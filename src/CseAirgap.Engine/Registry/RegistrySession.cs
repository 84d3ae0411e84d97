using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// One HTTP connection pool and one client per registry for the life of a command, so tokens,
/// learned auth schemes and connections are reused across images.
/// </summary>
public sealed class RegistrySession : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, RegistryClient> _clients = new(StringComparer.Ordinal);

    public RegistrySession(RegistrySessionOptions options)
    {
        Options = options;
        var handler = new HttpClientHandler
        {
            // Redirects are followed by the client, which decides per origin whether credentials go along.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = Math.Max(2, options.MaxRequestsPerRegistry),
            UseProxy = true,
        };
        // Decided per host: a connection is pooled per host, so it never carries another host's decision.
        handler.ServerCertificateCustomValidationCallback = (request, cert, chain, errors) =>
            options.Trust.Validate(request.RequestUri == null ? string.Empty : RegistryOrigin.HostKey(request.RequestUri), cert, chain, errors);
        // Blobs can be gigabytes: cancellation, not a global timeout, ends a transfer.
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("CseAirgap/" + typeof(RegistrySession).Assembly.GetName().Version);
    }

    public RegistrySessionOptions Options { get; }

    /// <summary>Per-host waits every client of the session honours (one 429 slows the whole host).</summary>
    internal HostBackoff Backoff { get; } = new();

    /// <summary>
    /// The client for a registry and a credential; the credential is used only for this registry's own origin and its
    /// token service. One client per origin and credential: a source and a destination on the same host, with
    /// different accounts, each keep their own (tokens included).
    /// </summary>
    public RegistryClient For(RegistryAddress address, NetworkCredential? credential) =>
        _clients.GetOrAdd(ClientKey(address, credential), _ => new RegistryClient(_http, address, credential, Options, Backoff));

    private static string ClientKey(RegistryAddress address, NetworkCredential? credential)
    {
        var origin = address.BaseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        if (credential == null) return origin;
        // The password is part of the identity (two logins with one user name differ) but is kept only as a hash.
        using var sha = System.Security.Cryptography.SHA256.Create();
        var hash = Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(credential.UserName + "\n" + credential.Password)));
        return origin + "\n" + credential.UserName + "\n" + hash;
    }

    public void Dispose() => _http.Dispose();
}
