using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using CseAirgap.Engine.Registry.Transport;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// One HTTP connection pool, one transport (its handlers composed once) and one client per registry for the life
/// of a command, so tokens, learned auth schemes, per-host back-off and connections are reused across images.
/// </summary>
public sealed class RegistrySession : IDisposable
{
    private readonly RegistryTransport _transport;
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
        _transport = RegistryTransport.Compose(handler, options, Backoff);
    }

    public RegistrySessionOptions Options { get; }

    /// <summary>Per-host waits every client of the session honours (one 429 slows the whole host).</summary>
    internal HostBackoff Backoff { get; } = new();

    /// <summary>
    /// The client for a registry and a credential; the credential is used only for this registry's own origin and its
    /// token service. One client per origin and credential: a source and a destination on the same host, with
    /// different accounts, each keep their own (tokens included).
    /// </summary>
    /// <param name="advice">What a refusal a login would fix tells the user to pass (the destination's by default).</param>
    public RegistryClient For(RegistryAddress address, NetworkCredential? credential, LoginAdvice? advice = null)
    {
        var said = advice ?? LoginAdvice.Destination;
        return _clients.GetOrAdd(said.Key + "\n" + ClientKey(address, credential), _ => new RegistryClient(_transport, address, credential, Options, said));
    }

    private static string ClientKey(RegistryAddress address, NetworkCredential? credential)
    {
        var origin = address.BaseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        if (credential == null) return origin;
        // The password is part of the identity (two logins with one user name differ) but is kept only as a hash.
        using var sha = System.Security.Cryptography.SHA256.Create();
        var hash = Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(credential.UserName + "\n" + credential.Password)));
        return origin + "\n" + credential.UserName + "\n" + hash;
    }

    public void Dispose() => _transport.Dispose();
}
