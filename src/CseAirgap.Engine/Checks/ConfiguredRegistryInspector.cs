using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Tls;
using CseAirgap.Engine.Vcd;

namespace CseAirgap.Engine.Checks;

/// <summary>
/// What CSE's server configuration (the vcdKeConfig entity) says about the registry, checked from CSE's side: the URL
/// as CSE uses it (it appends /tkg, so a scheme or a /tkg of our own breaks every pull), and whether the certificate
/// the registry presents is one the cluster VMs will trust through each of CSE's two certificate lists.
/// </summary>
public static class ConfiguredRegistryInspector
{
    /// <summary>The configured URL as CSE reads it: a Passed row, or a Failed row saying what to write instead.</summary>
    public static CheckResult CheckUrl(string server, string? url)
    {
        var field = CseConfigurationField.ContainerRegistryUrl.Name;
        if (string.IsNullOrEmpty(url))
            return new CheckResult("ServerRegistryUrl", server, CheckStatus.Failed,
                $"CSE on {server} has no {field}: it pulls from projects.registry.vmware.com, which is gone and outside the air gap. Set it with Set-CseServerConfiguration -ContainerRegistryUrl.");
        try
        {
            CseConfigurationValidator.CheckRegistryUrl(url!);
            return new CheckResult("ServerRegistryUrl", server, CheckStatus.Passed, $"CSE pulls from {url}/tkg, {url}/vmware-cloud-director and {url}/tanzu_cli.");
        }
        catch (CseAirgapException e)
        {
            return new CheckResult("ServerRegistryUrl", server, CheckStatus.Failed, $"{field} is '{url}': {e.Message} Fix it with Set-CseServerConfiguration -ContainerRegistryUrl.");
        }
    }

    /// <summary>
    /// Whether the certificate <paramref name="registry"/> presented is trusted through <paramref name="configuredPems"/>
    /// (one of CSE's lists): one of them is in the presented chain, or the presented leaf chains up to one of them.
    /// A registry the machine trusts without them passes too (CSE's VM images carry the public roots).
    /// </summary>
    public static CheckResult CheckCertificates(string list, string field, string registry, TlsProbeResult presented, IReadOnlyList<string> configuredPems)
    {
        var check = list + "Certificates";
        var target = $"{registry} ({field})";
        var configured = configuredPems.Select(PemCertificates.TryParseOne).Where(c => c != null).Cast<X509Certificate2>().ToList();
        if (presented.Chain.Count == 0)
            return new CheckResult(check, target, CheckStatus.Failed, $"{registry} presented no certificate.");
        var leaf = presented.Chain[0];
        var match = configured.FirstOrDefault(c => presented.Chain.Any(p => p.Thumbprint == c.Thumbprint)) ?? Registry.RegistryTrust.RootAmong(leaf, configured);
        if (match != null)
            return new CheckResult(check, target, CheckStatus.Passed, $"{registry}'s certificate is trusted through '{match.Subject}' in CSE's {list.ToLowerInvariant()} list.");
        if (presented.TrustedByMachine)
            return new CheckResult(check, target, CheckStatus.Passed, $"{registry}'s certificate chains to a publicly trusted root ('{leaf.Issuer}'): CSE's VMs trust it without an entry in the {list.ToLowerInvariant()} list.");
        var what = configured.Count == 0 ? "the list is empty" : $"none of its {configured.Count} certificate(s) ({string.Join("; ", configured.Select(c => c.Subject))}) signs it";
        return new CheckResult(check, target, CheckStatus.Failed,
            $"{registry} presents '{leaf.Subject}' issued by '{leaf.Issuer}' (thumbprint {leaf.Thumbprint}), but {what}: " +
            $"the {(list == "Bootstrap" ? "bootstrap VM" : "cluster VMs")} will refuse the registry. Add its CA: " +
            $"Get-CseRegistryCertificate -Registry {registry} | Set-CseServerConfiguration -CertificateScope {list}.");
    }
}
