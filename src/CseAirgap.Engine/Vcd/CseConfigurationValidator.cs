using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// The mistakes that only show much later as clusters that never start, refused before anything is written: a scheme
/// in the registry URL (CSE adds none and prefixes nothing), a trailing /tkg (CSE appends /tkg itself), a host this
/// machine cannot resolve, and a proxy the registry would be reached through (the bootstrap VM must reach the private
/// registry directly, so its host belongs in noProxy).
/// </summary>
public sealed class CseConfigurationValidator
{
    private readonly Func<string, CancellationToken, Task<bool>> _hostResolves;

    /// <param name="hostResolves">Whether a host name resolves; the platform's resolver by default, a rule object in tests.</param>
    public CseConfigurationValidator(Func<string, CancellationToken, Task<bool>>? hostResolves = null) =>
        _hostResolves = hostResolves ?? ResolvesAsync;

    /// <summary>Checks the URL alone (before any session is opened): scheme, /tkg, shape.</summary>
    public static string CheckRegistryUrl(string url)
    {
        var field = CseConfigurationField.ContainerRegistryUrl.Name;
        string Fail(string why) => throw new VcdException(VcdErrorKind.InvalidConfiguration, url, $"-ContainerRegistryUrl '{url}' {why} ({field}).");
        if (url.Length == 0 || url.Trim() != url || url.Any(char.IsWhiteSpace)) Fail("is empty or holds spaces");
        if (url.IndexOf("://", StringComparison.Ordinal) >= 0)
            Fail($"has a scheme: CSE wants the registry without one, such as '{url.Substring(url.IndexOf("://", StringComparison.Ordinal) + 3).TrimEnd('/')}'");
        if (url.EndsWith("/", StringComparison.Ordinal)) Fail($"ends with '/': write '{url.TrimEnd('/')}'");
        if (url.EndsWith("/tkg", StringComparison.OrdinalIgnoreCase) || url.Equals("tkg", StringComparison.OrdinalIgnoreCase))
            Fail($"ends with /tkg: CSE appends /tkg itself; write '{url.Substring(0, url.Length - 4)}'");
        var host = HostOf(url);
        if (host.Length == 0 || !Uri.TryCreate("https://" + url, UriKind.Absolute, out var parsed) || parsed.Host.Length == 0)
            Fail("is not host[:port][/path]");
        return url;
    }

    /// <summary>The host (without port) of a registry URL such as harbor.corp.local:8443/cse.</summary>
    public static string HostOf(string url)
    {
        var authority = url.Split('/')[0];
        if (authority.StartsWith("[", StringComparison.Ordinal)) return authority.Substring(0, authority.IndexOf(']') + 1);
        var colon = authority.LastIndexOf(':');
        return colon > 0 ? authority.Substring(0, colon) : authority;
    }

    /// <summary>Checks the change as it would leave <paramref name="after"/> (the entity with the change applied).</summary>
    public async Task ValidateAsync(CseConfigurationChange change, VcdKeConfigEntity after, CancellationToken ct)
    {
        if (change.ContainerRegistryUrl == null) return;
        var url = CheckRegistryUrl(change.ContainerRegistryUrl);
        var host = HostOf(url);
        if (!await _hostResolves(host, ct).ConfigureAwait(false))
            throw new VcdException(VcdErrorKind.InvalidConfiguration, url,
                $"The registry host '{host}' of -ContainerRegistryUrl does not resolve from here. Check the name (CSE's VMs resolve it through their own DNS, which must know it too).");
        var proxy = after.GetString(CseConfigurationField.HttpsProxy);
        if (string.IsNullOrEmpty(proxy)) proxy = after.GetString(CseConfigurationField.HttpProxy);
        if (string.IsNullOrEmpty(proxy)) return;
        var entries = CseConfigurationChange.SplitNoProxy(after.GetString(CseConfigurationField.NoProxy)).ToList();
        if (!entries.Any(e => Covers(e, host, url.Split('/')[0])))
            throw new VcdException(VcdErrorKind.InvalidConfiguration, url,
                $"CSE's bootstrap VM uses the proxy '{proxy}', and its noProxy ('{string.Join(",", entries)}') does not hold the registry host '{host}': " +
                $"the VM would ask the proxy for the private registry. Add -NoProxy '{host}'.");
    }

    /// <summary>Whether a noProxy entry covers the host: the host itself, host:port, a domain suffix (.corp.local, *.corp.local), or *.</summary>
    public static bool Covers(string entry, string host, string authority)
    {
        var e = entry.Trim();
        if (e == "*") return true;
        if (e.Equals(host, StringComparison.OrdinalIgnoreCase) || e.Equals(authority, StringComparison.OrdinalIgnoreCase)) return true;
        if (e.StartsWith("*.", StringComparison.Ordinal)) e = e.Substring(1);
        return e.StartsWith(".", StringComparison.Ordinal) && host.EndsWith(e, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<bool> ResolvesAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out _)) return true;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            return addresses.Length > 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
