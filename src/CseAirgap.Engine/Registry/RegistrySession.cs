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

    public RegistrySession(RegistrySessionOptions options) : this(options, handler => handler)
    {
    }

    /// <summary>
    /// A session whose platform handler, built and configured here, is handed to <paramref name="platform"/> first: the
    /// tests see the settings every framework is given and may answer in its place.
    /// </summary>
    internal RegistrySession(RegistrySessionOptions options, Func<HttpClientHandler, HttpMessageHandler> platform)
    {
        Options = options;
        var handler = new HttpClientHandler
        {
            // Redirects are followed by the client, which decides per origin whether credentials go along.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = Math.Max(2, options.MaxRequestsPerRegistry),
            // Named, never left to the framework: .NET Framework would use ServicePointManager's SSL 3/TLS 1.0.
            SslProtocols = options.Tls.Offered,
        };
        ConfigureProxy(handler, options);
        // Decided per host: a connection is pooled per host, so it never carries another host's decision.
        handler.ServerCertificateCustomValidationCallback = (request, cert, chain, errors) =>
            options.Trust.Validate(request.RequestUri == null ? string.Empty : RegistryOrigin.HostKey(request.RequestUri), cert, chain, errors);
        _transport = RegistryTransport.Compose(platform(handler), options, Backoff);
    }

    /// <summary>
    /// -NoProxy: direct. -Proxy: that proxy, for every host (loopback addresses excepted, by the framework). Otherwise the
    /// system's proxy, as HttpClient finds it. The proxy credential is the proxy's alone: the framework sends it only in
    /// Proxy-Authorization to the proxy, never to a registry.
    /// </summary>
    private static void ConfigureProxy(HttpClientHandler handler, RegistrySessionOptions options)
    {
        if (options.NoProxy)
        {
            handler.UseProxy = false;
            return;
        }
        handler.UseProxy = true;
        if (options.Proxy != null)
            handler.Proxy = new WebProxy(options.Proxy) { Credentials = options.ProxyCredential };
        else if (options.ProxyCredential != null)
            handler.DefaultProxyCredentials = options.ProxyCredential;
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
