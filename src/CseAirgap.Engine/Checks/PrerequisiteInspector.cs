using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tls;
using Docker.DotNet;

namespace CseAirgap.Engine.Checks;

/// <summary>
/// The procedure's prerequisites, checked before an admin starts: names resolve, the registry and VCD answer over
/// TCP and trusted TLS, the registry API answers and the account may push into each group, Docker answers when
/// it will be used, and there is room to expand an image.
/// </summary>
public sealed class PrerequisiteInspector
{
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(10);
    public const long MinimumFreeBytes = 1L << 30;

    private readonly RegistryAddress _base;
    private readonly RegistryClient _registry;
    private readonly RegistryTrust _trust;

    public PrerequisiteInspector(RegistryAddress @base, RegistryClient registry, RegistryTrust trust)
    {
        _base = @base;
        _registry = registry;
        _trust = trust;
    }

    public async Task<IReadOnlyList<CheckResult>> InspectAsync(Uri? vcdEndpoint, Uri? dockerHost, string workingDirectory, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var (host, port) = SplitHost(_base.Host, _base.UseHttps ? 443 : 80);
        var reachable = await CheckEndpointAsync(results, "Registry", host, port, _base.UseHttps, _trust, ct).ConfigureAwait(false);
        if (vcdEndpoint != null)
            await CheckEndpointAsync(results, "VcdEndpoint", vcdEndpoint.Host, vcdEndpoint.Port, vcdEndpoint.Scheme == "https", _trust, ct).ConfigureAwait(false);
        if (reachable)
        {
            await CheckApiAndPushAsync(results, ct).ConfigureAwait(false);
        }
        if (dockerHost != null) results.Add(await CheckDockerAsync(dockerHost, ct).ConfigureAwait(false));
        results.Add(CheckDisk(workingDirectory));
        return results;
    }

    /// <summary>DNS, then TCP, then TLS: each failure says which step and what to do. True when the endpoint can be used.</summary>
    internal static async Task<bool> CheckEndpointAsync(List<CheckResult> results, string what, string host, int port, bool tls, RegistryTrust trust, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out _))
        {
            results.Add(new CheckResult($"{what}Dns", host, CheckStatus.Passed, $"{host} is an address; nothing to resolve."));
        }
        else
        {
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
                results.Add(new CheckResult($"{what}Dns", host, CheckStatus.Passed, $"{host} resolves to {string.Join(", ", (object[])addresses)}."));
            }
            catch (SocketException e)
            {
                results.Add(new CheckResult($"{what}Dns", host, CheckStatus.Failed,
                    $"{host} does not resolve ({e.Message}). The DNS server the workstation and the cluster VMs use must know this name."));
                return false;
            }
        }

        var target = $"{host}:{port}";
        try
        {
            if (tls)
            {
                var probe = await TlsProbe.ProbeAsync(host, port, trust, NetworkTimeout, ct).ConfigureAwait(false);
                results.Add(new CheckResult($"{what}Tcp", target, CheckStatus.Passed, $"{target} accepts connections."));
                var leaf = probe.Chain.Count > 0 ? probe.Chain[0] : null;
                if (probe.TrustedWithExtraCas || trust.SkipCertificateCheck)
                    results.Add(new CheckResult($"{what}Tls", target, CheckStatus.Passed,
                        probe.TrustedByMachine ? "The certificate is trusted by this machine." : "The certificate is trusted with the CA given (-CaCertificate); give the same CA to CSE (cluster certificates, bootstrap VM)."));
                else
                    results.Add(new CheckResult($"{what}Tls", target, CheckStatus.Failed,
                        $"The certificate of {target} ({leaf?.Subject}, issued by {leaf?.Issuer}) is not trusted: {probe.Errors}. " +
                        "Pass its CA with -CaCertificate (Get-CseRegistryCertificate -AsPem shows it), and give it to CSE as a cluster certificate."));
                return true;
            }
            using var tcp = new TcpClient();
            var connect = tcp.ConnectAsync(host, port);
            if (await Task.WhenAny(connect, Task.Delay(NetworkTimeout, ct)).ConfigureAwait(false) != connect)
                throw new RegistryException(RegistryErrorKind.Unreachable, target, $"{target} did not accept a connection within {NetworkTimeout.TotalSeconds:0} s.");
            await connect.ConfigureAwait(false);
            results.Add(new CheckResult($"{what}Tcp", target, CheckStatus.Passed, $"{target} accepts connections (plain HTTP: no TLS to check)."));
            return true;
        }
        catch (Exception e) when (e is RegistryException || e is SocketException)
        {
            results.Add(new CheckResult($"{what}Tcp", target, CheckStatus.Failed, $"{e.Message} Check the port, any firewall between here and there, and that the service runs."));
            return false;
        }
    }

    private async Task CheckApiAndPushAsync(List<CheckResult> results, CancellationToken ct)
    {
        var api = _base.BaseUri + "v2/";
        try
        {
            var status = await _registry.PingAsync(ct).ConfigureAwait(false);
            if ((int)status != 200 && (int)status != 401)
            {
                results.Add(new CheckResult("RegistryApi", api, CheckStatus.Failed, $"{api} answered HTTP {(int)status}: not a registry API endpoint."));
                return;
            }
            results.Add(new CheckResult("RegistryApi", api, CheckStatus.Passed, $"The registry API answers (HTTP {(int)status})."));
        }
        catch (RegistryException e)
        {
            results.Add(new CheckResult("RegistryApi", api, CheckStatus.Failed, e.Message));
            return;
        }

        // An upload session opened and abandoned proves push rights in each group without writing an image.
        var prefix = _base.PathPrefix == null ? string.Empty : _base.PathPrefix + "/";
        foreach (var group in LayoutInspector.Groups)
        {
            var repository = $"{prefix}{group}/cseairgap-push-check";
            var target = $"{_base.Host}/{prefix}{group}";
            try
            {
                var session = await _registry.StartUploadAsync(repository, ct).ConfigureAwait(false);
                await _registry.CancelUploadAsync(session, repository, ct).ConfigureAwait(false);
                results.Add(new CheckResult("Push", target, CheckStatus.Passed, $"The account may push under {target}/ (an upload was opened and abandoned)."));
            }
            catch (RegistryException e)
            {
                results.Add(new CheckResult("Push", target, CheckStatus.Failed, e.Message));
            }
        }
    }

    internal static async Task<CheckResult> CheckDockerAsync(Uri endpoint, CancellationToken ct)
    {
        try
        {
            using var configuration = new DockerClientConfiguration(endpoint);
            using var client = configuration.CreateClient();
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timer.CancelAfter(NetworkTimeout);
            var version = await client.System.GetVersionAsync(timer.Token).ConfigureAwait(false);
            // Docker Desktop in Windows-containers mode answers, but cannot run the Linux image of the procedure.
            if (!string.IsNullOrEmpty(version.Os) && !string.Equals(version.Os, "linux", StringComparison.OrdinalIgnoreCase))
                return new CheckResult("DockerEngine", endpoint.ToString(), CheckStatus.Failed,
                    $"Docker {version.Version} answers but runs {version.Os} containers: switch Docker Desktop to Linux containers, or use Expand-CseArtifact -Engine Registry, which needs no Docker.");
            return new CheckResult("DockerEngine", endpoint.ToString(), CheckStatus.Passed, $"Docker {version.Version} (API {version.APIVersion}) answers.");
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return new CheckResult("DockerEngine", endpoint.ToString(), CheckStatus.Failed,
                $"The Docker engine at {endpoint} did not answer ({e.Message}). Start it or fix -DockerHost; Expand-CseArtifact -Engine Registry needs no Docker.");
        }
    }

    private static CheckResult CheckDisk(string directory)
    {
        var root = Path.GetPathRoot(Path.GetFullPath(directory)) ?? directory;
        try
        {
            var free = new DriveInfo(root).AvailableFreeSpace;
            // DriveInfo knows mount points only by their root; on Linux ask for the folder's own file system.
            if (Path.DirectorySeparatorChar == '/') free = UnixFreeSpace(directory) ?? free;
            return free >= MinimumFreeBytes
                ? new CheckResult("DiskSpace", directory, CheckStatus.Passed, $"{free / 1073741824.0:0.0} GB free for expanding images.")
                : new CheckResult("DiskSpace", directory, CheckStatus.Warning, $"Only {free / 1048576.0:0} MB free in {directory}; expanding an image wants at least 1 GB.");
        }
        catch (Exception e) when (e is IOException || e is ArgumentException || e is UnauthorizedAccessException)
        {
            return new CheckResult("DiskSpace", directory, CheckStatus.Warning, $"Free space could not be read: {e.Message}");
        }
    }

    private static long? UnixFreeSpace(string directory)
    {
        // The drive whose mount point is the longest prefix of the folder is the folder's file system.
        DriveInfo? best = null;
        var full = Path.GetFullPath(directory);
        foreach (var drive in DriveInfo.GetDrives())
        {
            var mount = drive.RootDirectory.FullName;
            if (!full.StartsWith(mount, StringComparison.Ordinal)) continue;
            if (best == null || mount.Length > best.RootDirectory.FullName.Length) best = drive;
        }
        try { return best?.AvailableFreeSpace; } catch (IOException) { return null; }
    }

    internal static (string Host, int Port) SplitHost(string hostPort, int defaultPort)
    {
        var colon = hostPort.LastIndexOf(':');
        return colon > 0 && int.TryParse(hostPort.Substring(colon + 1), out var port) ? (hostPort.Substring(0, colon), port) : (hostPort, defaultPort);
    }
}
