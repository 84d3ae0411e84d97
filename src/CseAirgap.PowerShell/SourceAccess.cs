using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>
/// Where a source image is read, and as whom. -SourceCredential goes only to the origins the user named: the hosts of
/// the references the command was given, and the -SourceMirror targets. An image that only a bundle's lock names, on
/// any other origin, is read anonymously; the Docker config file's login for its host is used only when the user
/// allows it (-AllowLockedImageLogin). Otherwise a hostile lock could name its own host, answer 401 Basic, and be
/// sent the mirror's password, or have a private image pulled with the admin's login into a public destination.
/// A reference on a moved host (<see cref="HostRelocations"/>) is read at the new host first: naming it names both
/// hosts, because the move table (built in, not taken from any file) says they hold the same content.
/// A credential given per host (-SourceCredential @{ host = credential }) goes to that host alone, named or not: the
/// user wrote the host beside it.
/// </summary>
internal sealed class SourceAccess
{
    private readonly RegistrySession _session;
    private readonly SourceRoutes _routes;
    private readonly Action<string>? _log;
    private readonly SourceCredentials _credentials;
    private readonly bool _allowLockedImageLogin;
    private readonly ConcurrentDictionary<string, Lazy<NetworkCredential?>> _dockerLogins = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _named = new(StringComparer.OrdinalIgnoreCase);

    public SourceAccess(RegistrySession session, SourceRoutes routes, IEnumerable<string> mirrorHosts, SourceCredentials credentials, bool allowLockedImageLogin,
        Action<string>? log = null)
    {
        _session = session;
        _routes = routes;
        _log = log;
        _credentials = credentials;
        _allowLockedImageLogin = allowLockedImageLogin;
        foreach (var host in mirrorHosts) _named.Add(host);
    }

    /// <summary>Marks the origin of a reference the user gave (or one the command derives from what the user gave, such as -SourceRepository).</summary>
    public void Name(ImageReference reference)
    {
        _named.Add(reference.Registry);
        foreach (var route in _routes.For(reference))
        {
            _named.Add(route.Fetch.Registry);
            _named.Add(route.Address.Host);
        }
    }

    /// <summary>Whether the user named the origin <paramref name="host"/>.</summary>
    public bool IsNamed(string host) => _named.Contains(host);

    /// <summary>
    /// The image at <paramref name="reference"/>, read from its mirror when it has one, at a moved host's new name
    /// first, with the credential each origin may have.
    /// </summary>
    public IImageSource Open(ImageReference reference)
    {
        var routes = _routes.For(reference);
        if (routes.Count == 1) return At(routes[0]);
        return new FirstFoundImageSource(reference.ToString(), routes.Select(route => new ImageCandidate(At(route),
            route.Relocated ? $"{reference}: {reference.Registry} moved to {_routes.Relocations.Relocate(reference)!.Registry}; read from {route.Fetch}." : null)).ToList(), _log);
    }

    /// <summary>The first place <paramref name="reference"/> is asked (the new host of a moved one), for a tag list or a check.</summary>
    public IImageSource OpenFirst(ImageReference reference) => At(_routes.First(reference));

    /// <summary>The places references are read from (mirrors and moved hosts).</summary>
    public SourceRoutes Routes => _routes;

    /// <summary>The client the copy would read <paramref name="route"/> with, and whether it carries a credential (for the prerequisite checks).</summary>
    public (RegistryClient Client, bool HasCredential) ClientFor(SourceRoute route)
    {
        var credential = CredentialFor(route.Address.Host);
        return (_session.For(route.Address, credential, LoginAdvice.Source), credential != null);
    }

    private RegistryImageSource At(SourceRoute route) => new(_session.For(route.Address, CredentialFor(route.Address.Host), LoginAdvice.Source), route.Fetch);

    /// <summary>The credential for a source origin: see the class comment.</summary>
    public NetworkCredential? CredentialFor(string host)
    {
        if (_credentials.ForHost(host) is { } given) return given.GetNetworkCredential();
        if (IsNamed(host)) return _credentials.Every?.GetNetworkCredential() ?? DockerLogin(host);
        return _allowLockedImageLogin ? DockerLogin(host) : null;
    }

    /// <summary>The Docker config's login for a host, asked once per command: a credential helper is a program to run.</summary>
    private NetworkCredential? DockerLogin(string host) =>
        _dockerLogins.GetOrAdd(host, h => new Lazy<NetworkCredential?>(() =>
            DockerConfigCredentials.Find(h, null, Engine.Registry.Logins.CredentialHelper.Default, _session.Options.Log))).Value;
}
