using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>
/// Where a source image is read, and as whom. -SourceCredential goes only to the origins the user named: the hosts of
/// the references the command was given, and the -SourceMirror targets. An image that only a bundle's lock names, on
/// any other origin, is read anonymously; the Docker config file's login for its host is used only when the user
/// allows it (-AllowLockedImageLogin). Otherwise a hostile lock could name its own host, answer 401 Basic, and be
/// sent the mirror's password, or have a private image pulled with the admin's login into a public destination.
/// A credential given per host (-SourceCredential @{ host = credential }) goes to that host alone, named or not: the
/// user wrote the host beside it.
/// </summary>
internal sealed class SourceAccess
{
    private readonly RegistrySession _session;
    private readonly SourceMirrors _mirrors;
    private readonly SourceCredentials _credentials;
    private readonly bool _allowLockedImageLogin;
    private readonly ConcurrentDictionary<string, Lazy<NetworkCredential?>> _dockerLogins = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _named = new(StringComparer.OrdinalIgnoreCase);

    public SourceAccess(RegistrySession session, SourceMirrors mirrors, IEnumerable<string> mirrorHosts, SourceCredentials credentials, bool allowLockedImageLogin)
    {
        _session = session;
        _mirrors = mirrors;
        _credentials = credentials;
        _allowLockedImageLogin = allowLockedImageLogin;
        foreach (var host in mirrorHosts) _named.Add(host);
    }

    /// <summary>Marks the origin of a reference the user gave (or one the command derives from what the user gave, such as -SourceRepository).</summary>
    public void Name(ImageReference reference)
    {
        _named.Add(reference.Registry);
        _named.Add(_mirrors.Resolve(reference).Address.Host);
    }

    /// <summary>Whether the user named the origin <paramref name="host"/>.</summary>
    public bool IsNamed(string host) => _named.Contains(host);

    /// <summary>The image at <paramref name="reference"/>, read from its mirror when it has one, with the credential its origin may have.</summary>
    public IImageSource Open(ImageReference reference)
    {
        var (address, fetch) = _mirrors.Resolve(reference);
        return new RegistryImageSource(_session.For(address, CredentialFor(address.Host), LoginAdvice.Source), fetch);
    }

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
