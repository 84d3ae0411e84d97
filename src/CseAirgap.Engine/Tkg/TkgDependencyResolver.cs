using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tkg;

/// <summary>
/// Step 4 of the procedure: every image a TKG release needs, read from its bill of materials the way the TKG air-gap
/// tooling does: the TKG BOM, the newest TKr compatibility image, the TKr BOMs it lists for that TKG version, and the
/// per-TKr package repository bundles.
/// </summary>
public sealed class TkgDependencyResolver
{
    public const string DefaultRepository = "projects.registry.vmware.com/tkg";

    /// <summary>The TKG versions CSE 4.2.x supports, for completion.</summary>
    public static readonly string[] KnownVersions = { "2.3.1", "2.4.0", "2.4.1", "2.5.0", "2.5.1", "2.5.2" };

    private readonly Func<ImageReference, (IImageSource Source, RegistryClient Client, string Repository)> _open;
    private readonly Action<string>? _log;

    /// <param name="open">Where to read an image (the mirror when there is one), and the client and repository to list its tags.</param>
    public TkgDependencyResolver(Func<ImageReference, (IImageSource, RegistryClient, string)> open, Action<string>? log)
    {
        _open = open;
        _log = log;
    }

    public async Task<IReadOnlyList<(string Reference, string Why)>> ResolveAsync(string tkgVersion, IReadOnlyList<string>? kubernetesVersions, CancellationToken ct)
    {
        var found = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string reference, string why)
        {
            if (seen.Add(reference)) found.Add((reference, why));
        }

        var version = "v" + tkgVersion.TrimStart('v');
        var tkgBomRef = ImageReference.Parse($"{DefaultRepository}/tkg-bom:{version}");
        string tkgBomText;
        try
        {
            tkgBomText = await ReadFileAsync(tkgBomRef, ct).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
        {
            throw new RegistryException(RegistryErrorKind.NotFound, tkgBomRef.ToString(),
                $"There is no TKG {tkgVersion} at the source ({tkgBomRef} does not exist). CSE 4.2.x supports TKG {string.Join(", ", KnownVersions)}.", e);
        }
        var tkgBom = BomDocument.Parse(tkgBomText, tkgBomRef.ToString());
        Add(tkgBomRef.ToString(), "TKG BOM");
        foreach (var image in tkgBom.Images()) Add(image, $"TKG {tkgVersion} BOM");

        var compatibilityPath = tkgBom.ImagePathOf("tkr-compatibility") ?? "tkr-compatibility";
        var compatibilityRepo = ImageReference.Parse($"{tkgBom.ImageRepository}/{compatibilityPath}:latest");
        var newest = await NewestVersionTagAsync(compatibilityRepo, ct).ConfigureAwait(false);
        var compatibilityRef = new ImageReference(compatibilityRepo.Registry, compatibilityRepo.Repository, newest, null);
        Add(compatibilityRef.ToString(), "TKr compatibility");
        var tkrs = CompatibilityDocument.SupportedKubernetesVersions(await ReadFileAsync(compatibilityRef, ct).ConfigureAwait(false), tkgVersion, compatibilityRef.ToString());
        if (tkrs.Count == 0)
            throw new RegistryException(RegistryErrorKind.NotFound, compatibilityRef.ToString(), $"{compatibilityRef} lists no Kubernetes release for TKG {version}.");
        var chosen = kubernetesVersions == null || kubernetesVersions.Count == 0
            ? tkrs
            : tkrs.Where(t => kubernetesVersions.Any(k => t.TrimStart('v').StartsWith(k.TrimStart('v'), StringComparison.OrdinalIgnoreCase))).ToList();
        if (chosen.Count == 0)
            throw new RegistryException(RegistryErrorKind.NotFound, compatibilityRef.ToString(),
                $"TKG {version} supports none of {string.Join(", ", kubernetesVersions!)}; it supports {string.Join(", ", tkrs)}.");

        var tkrBomPath = tkgBom.ImagePathOf("tkr-bom") ?? "tkr-bom";
        foreach (var tkr in chosen)
        {
            var tag = tkr.Replace('+', '_');
            var tkrBomRef = ImageReference.Parse($"{tkgBom.ImageRepository}/{tkrBomPath}:{tag}");
            _log?.Invoke($"Reading the TKr BOM {tkrBomRef}.");
            var tkrBom = BomDocument.Parse(await ReadFileAsync(tkrBomRef, ct).ConfigureAwait(false), tkrBomRef.ToString());
            Add(tkrBomRef.ToString(), $"TKr {tkr} BOM");
            foreach (var image in tkrBom.Images()) Add(image, $"TKr {tkr} BOM");
            // Package repositories are bundles tagged like the TKr; Publish-CseDependency brings their images along.
            foreach (var repository in tkgBom.MapValues("tkr-package-repo").Concat(tkgBom.MapValues("tkr-package")))
                Add($"{tkgBom.ImageRepository}/{repository}:{tag}", $"TKr {tkr} package repository");
        }
        return found;
    }

    private async Task<string> ReadFileAsync(ImageReference reference, CancellationToken ct)
    {
        var (source, _, _) = _open(reference);
        var manifest = await source.GetTopManifestAsync(ct).ConfigureAwait(false);
        if (manifest.IsIndex)
            throw new RegistryException(RegistryErrorKind.UnsupportedMediaType, reference.ToString(), $"{reference} is an index; a BOM image is a single image.");
        return await ImageFiles.ReadFileAsync(source, manifest, null, ct).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryErrorKind.InvalidInput, reference.ToString(), $"{reference} holds no file.");
    }

    /// <summary>The highest v&lt;number&gt; tag, as the TKG tooling picks the compatibility image.</summary>
    private async Task<string> NewestVersionTagAsync(ImageReference repository, CancellationToken ct)
    {
        var (_, client, path) = _open(repository);
        var tags = await client.ListTagsAsync(path, ct).ConfigureAwait(false);
        var newest = tags.Select(t => (Tag: t, Number: t.StartsWith("v") && int.TryParse(t.Substring(1), out var n) ? n : -1))
            .Where(t => t.Number >= 0).OrderByDescending(t => t.Number).Select(t => t.Tag).FirstOrDefault();
        return newest ?? throw new RegistryException(RegistryErrorKind.NotFound, repository.ToString(), $"{repository.Registry}/{repository.Repository} has no v<number> tag.");
    }
}
