using System;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// An origin (scheme, host, port: RFC 6454), the unit credentials are bound to: a redirect, Link, upload
/// Location or token realm on any other origin never receives the registry's credentials.
/// </summary>
internal static class RegistryOrigin
{
    public static bool Same(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) &&
        a.Port == b.Port;

    /// <summary>host[:port] as a URL names it, the key of per-host settings (trust, back-off).</summary>
    public static string HostKey(Uri uri) => uri.Authority.ToLowerInvariant();
}
