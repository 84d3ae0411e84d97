using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.IO;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tkg;

namespace CseAirgap.Engine.Checks;

/// <summary>
/// Proof that a registry is ready for CSE: the API answers, the three groups sit side by side under the base, the
/// plug-in inventory is there, and every dependency is present, complete, identical to its source and pullable
/// without credentials (cluster VMs pull anonymously).
/// </summary>
public sealed class LayoutInspector
{
    public static readonly string[] Groups = { "tkg", "vmware-cloud-director", "tanzu_cli" };
    public const string PluginsFolder = "tanzu_cli/plugins";
    public const string PluginInventory = PluginsFolder + "/plugin-inventory";

    private readonly RegistryAddress _base;
    private readonly RegistryClient _registry;
    private readonly RegistryClient _anonymous;
    private readonly Func<ImageReference, IImageSource> _source;

    /// <param name="source">Where a dependency's source digest is asked (the first place a copy would read it).</param>
    public LayoutInspector(RegistryAddress @base, RegistryClient registry, RegistryClient anonymous, Func<ImageReference, IImageSource> source)
    {
        _base = @base;
        _registry = registry;
        _anonymous = anonymous;
        _source = source;
    }

    public async Task<IReadOnlyList<CheckResult>> InspectAsync(IReadOnlyList<ImageReference> dependencies, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var api = await CheckApiAsync(ct).ConfigureAwait(false);
        results.Add(api);
        if (api.Status == CheckStatus.Failed) return results;

        var prefix = _base.PathPrefix == null ? string.Empty : _base.PathPrefix + "/";
        var catalog = await _registry.ListCatalogAsync(ct).ConfigureAwait(false);
        foreach (var group in Groups)
        {
            var path = prefix + group;
            var target = $"{_base.Host}/{path}";
            bool present;
            string how;
            if (catalog != null)
            {
                present = catalog.Any(r => r.StartsWith(path + "/", StringComparison.Ordinal));
                how = "the registry's catalog";
            }
            else
            {
                present = dependencies.Any(d => d.Repository.StartsWith(group + "/", StringComparison.Ordinal));
                how = "the dependencies given (the registry does not list its repositories to this account)";
                if (!present && dependencies.Count == 0)
                {
                    results.Add(new CheckResult("Group", target, CheckStatus.Warning,
                        $"Cannot tell whether {target} holds images: the registry does not list its repositories to this account. Pipe the dependencies in (Get-CseDependency | Test-CseRegistryLayout) to check them one by one."));
                    continue;
                }
            }
            results.Add(present
                ? new CheckResult("Group", target, CheckStatus.Passed, $"{path}/ holds images (judged from {how}).")
                : new CheckResult("Group", target, CheckStatus.Failed, $"Nothing under {path}/ (judged from {how}). CSE 4.2 wants tkg, vmware-cloud-director and tanzu_cli side by side under {_base}: publish that group there."));
        }

        var inventory = prefix + PluginInventory;
        var inventoryDigest = await _registry.HeadManifestAsync(inventory, "latest", RegistryScope.Pull(inventory), ct).ConfigureAwait(false);
        results.Add(inventoryDigest != null
            ? new CheckResult("PluginInventory", $"{_base.Host}/{inventory}:latest", CheckStatus.Passed, $"Present ({inventoryDigest}).")
            : new CheckResult("PluginInventory", $"{_base.Host}/{inventory}:latest", CheckStatus.Failed,
                "Missing: TKG 2.3.1, 2.4 and 2.5 clusters need the Tanzu CLI plug-ins here. Publish them (procedure step 5)."));

        if (inventoryDigest != null) results.Add(await CheckInventoryImagesAsync(prefix, inventory, ct).ConfigureAwait(false));

        var perDependency = await Task.WhenAll(dependencies.Select(d => CheckDependencyAsync(d, ct))).ConfigureAwait(false);
        foreach (var list in perDependency) results.AddRange(list);
        return results;
    }

    /// <summary>Every plug-in image the inventory lists must be beside it: the Tanzu CLI installs from those URIs.</summary>
    private async Task<CheckResult> CheckInventoryImagesAsync(string prefix, string inventory, CancellationToken ct)
    {
        var target = $"{_base.Host}/{inventory}:latest";
        var work = Path.Combine(Path.GetTempPath(), "cseairgap-inventory-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".db");
        try
        {
            var source = new RegistryImageSource(_registry, new ImageReference(_base.Host, inventory, "latest", null));
            var manifest = await source.GetTopManifestAsync(ct).ConfigureAwait(false);
            var bytes = await ImageFiles.ReadFileBytesAsync(source, manifest, PluginInventoryDatabase.InventoryFile, ct).ConfigureAwait(false);
            if (bytes == null) return new CheckResult("PluginImages", target, CheckStatus.Failed, $"The inventory holds no {PluginInventoryDatabase.InventoryFile}.");
            File.WriteAllBytes(work, bytes);
            var uris = PluginInventoryDatabase.ReadBinaries(work, target).Select(r => r.URI).Where(u => u.Length > 0).Distinct().ToList();
            var missing = new List<string>();
            foreach (var uri in uris)
            {
                if (FileImage.PlainName(uri) == null || !ImageReference.TryParse($"{_base.Host}/{prefix}{LayoutInspector.PluginsFolder}/{uri}", out var reference, out _))
                {
                    missing.Add(uri);
                    continue;
                }
                if (await _registry.HeadManifestAsync(reference!.Repository, reference.ManifestReference, RegistryScope.Pull(reference.Repository), ct).ConfigureAwait(false) == null)
                    missing.Add(uri);
            }
            return missing.Count == 0
                ? new CheckResult("PluginImages", target, CheckStatus.Passed, $"All {uris.Count} plug-in images the inventory lists are there.")
                : new CheckResult("PluginImages", target, CheckStatus.Failed, $"{missing.Count} of {uris.Count} plug-in images the inventory lists are missing, such as {missing[0]}. Run Publish-CseTanzuPlugin again.");
        }
        catch (Failures.CseAirgapException e)
        {
            return new CheckResult("PluginImages", target, CheckStatus.Warning, $"The inventory could not be read: {e.Message}");
        }
        finally
        {
            if (File.Exists(work)) File.Delete(work);
        }
    }

    private async Task<CheckResult> CheckApiAsync(CancellationToken ct)
    {
        var target = _base.BaseUri.ToString();
        try
        {
            var status = await _registry.PingAsync(ct).ConfigureAwait(false);
            if ((int)status == 200 || (int)status == 401)
                return new CheckResult("RegistryApi", target, CheckStatus.Passed, $"The registry API (v2) answers at {target}.");
            return new CheckResult("RegistryApi", target, CheckStatus.Failed, $"{target}v2/ answered HTTP {(int)status}: this is not a registry API endpoint. Check the host, the port and the scheme.");
        }
        catch (RegistryException e)
        {
            return new CheckResult("RegistryApi", target, CheckStatus.Failed, e.Message);
        }
    }

    private async Task<IReadOnlyList<CheckResult>> CheckDependencyAsync(ImageReference dependency, CancellationToken ct)
    {
        var destination = dependency.Relocate(_base.Host, _base.PathPrefix);
        var target = destination.ToString();
        var results = new List<CheckResult>();
        ManifestDocument manifest;
        try
        {
            manifest = await _registry.GetManifestAsync(destination.Repository, destination.ManifestReference, ct).ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            results.Add(new CheckResult("Present", target, CheckStatus.Failed,
                e.Kind == RegistryErrorKind.NotFound ? $"Not at {target}. Publish it: '{dependency}' | Publish-CseDependency -Registry {_base}" : e.Message));
            return results;
        }
        results.Add(new CheckResult("Present", target, CheckStatus.Passed, $"Present ({manifest.Digest})."));

        try
        {
            var sourceDigest = dependency.Digest ?? await _source(dependency).FindTopDigestAsync(ct).ConfigureAwait(false);
            if (sourceDigest == null)
                results.Add(new CheckResult("Digest", target, CheckStatus.Warning, $"{dependency} is not at the source any more, so its digest cannot be compared."));
            else if (sourceDigest == manifest.Digest)
                results.Add(new CheckResult("Digest", target, CheckStatus.Passed, $"The same digest as the source ({sourceDigest})."));
            else
                results.Add(new CheckResult("Digest", target, CheckStatus.Failed,
                    $"{target} is {manifest.Digest} but the source is {sourceDigest}: the tag was re-pointed or the copy is stale. Publish it again."));
        }
        catch (RegistryException e)
        {
            results.Add(new CheckResult("Digest", target, CheckStatus.Warning, $"The source could not be read to compare digests: {e.Message}"));
        }

        if (manifest.IsIndex)
        {
            var missing = new List<string>();
            foreach (var child in manifest.Children)
            {
                var there = await _registry.HeadManifestAsync(destination.Repository, child.Digest, RegistryScope.Pull(destination.Repository), ct).ConfigureAwait(false);
                if (there == null) missing.Add(child.Platform ?? child.Digest);
            }
            results.Add(missing.Count == 0
                ? new CheckResult("Platforms", target, CheckStatus.Passed, $"All {manifest.Children.Count} platforms present.")
                : new CheckResult("Platforms", target, CheckStatus.Failed, $"Missing platforms: {string.Join(", ", missing)}. Publish the image again."));
        }

        try
        {
            await _anonymous.GetManifestAsync(destination.Repository, destination.ManifestReference, ct).ConfigureAwait(false);
            results.Add(new CheckResult("AnonymousPull", target, CheckStatus.Passed, "Pullable without credentials, as cluster VMs pull."));
        }
        catch (RegistryException e) when (e.Kind == RegistryErrorKind.AuthenticationRequired || e.Kind == RegistryErrorKind.AuthenticationFailed || e.Kind == RegistryErrorKind.PushDenied)
        {
            results.Add(new CheckResult("AnonymousPull", target, CheckStatus.Warning,
                $"Not pullable without credentials: cluster VMs pull anonymously unless configured otherwise. On Harbor, make the project '{destination.Repository.Split('/')[0]}' public."));
        }
        return results;
    }
}
