using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tkg;

/// <summary>One image a TKG release needs, and why.</summary>
public sealed class TkgDependency
{
    public TkgDependency(string reference, string why)
    {
        Reference = reference;
        Why = why;
    }

    public string Reference { get; }
    public string Why { get; }
}

/// <summary>
/// Step 4 of the procedure: every image a TKG release needs, read the way tanzu-framework's isolated-cluster plug-in
/// (download-bundle) reads it, every image from one source repository: the TKG BOM, the newest tkg-compatibility
/// image, the TKG BOM's images, the newest TKr compatibility image, the TKr BOMs it lists for that TKG version with
/// their images, and the per-TKr package repository bundles. Each image is reported as soon as it is known.
/// </summary>
public sealed class TkgDependencyResolver
{
    public const string DefaultSourceRepository = "projects.registry.vmware.com/tkg";

    /// <summary>The TKG versions CSE 4.2.x supports, for completion.</summary>
    public static readonly string[] KnownVersions = { "2.3.1", "2.4.0", "2.4.1", "2.5.0", "2.5.1", "2.5.2" };

    private static readonly Regex ReleaseVersion = new(@"^v\d+\.\d+\.\d+$", RegexOptions.CultureInvariant);

    private readonly Func<ImageReference, IImageSource> _open;
    private readonly Action<string>? _log;

    /// <param name="open">Where to read an image (the mirror when there is one), whose place also lists its repository's tags.</param>
    public TkgDependencyResolver(Func<ImageReference, IImageSource> open, Action<string>? log)
    {
        _open = open;
        _log = log;
    }

    /// <summary>
    /// Calls <paramref name="found"/> with each image as soon as it is known (a reference may come more than once), and
    /// <paramref name="problem"/> for a part of the release that is missing while the rest goes on (a TKr BOM, a
    /// compatibility image). Throws <see cref="TkgVersionNotFoundException"/> when the TKG BOM itself is missing.
    /// </summary>
    public async Task ResolveAsync(string tkgVersion, string sourceRepository, IReadOnlyList<string>? kubernetesVersions,
        Action<TkgDependency> found, Action<CseAirgapException> problem, CancellationToken ct)
    {
        var source = sourceRepository.Trim().TrimEnd('/');
        var version = "v" + tkgVersion.Trim().TrimStart('v');
        var tkgBomRef = ImageReference.Parse($"{source}/tkg-bom:{version}");
        string tkgBomText;
        try
        {
            tkgBomText = await ReadFileAsync(tkgBomRef, ct).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
        {
            throw new TkgVersionNotFoundException(tkgVersion, tkgBomRef.ToString(),
                $"There is no TKG {tkgVersion} at {source} ({tkgBomRef} does not exist). CSE 4.2.x supports TKG {string.Join(", ", KnownVersions)}; " +
                "check the version, or -SourceRepository and -SourceMirror.", e);
        }
        var tkgBom = BomDocument.Parse(tkgBomText, tkgBomRef.ToString());
        found(new TkgDependency(tkgBomRef.ToString(), "TKG BOM"));

        // The management cluster reads tkg-compatibility to find its BOM; download-bundle copies the newest.
        var tkgCompatibility = ReleaseVersion.IsMatch(version) ? $"{source}/tkg-compatibility" : $"{source}/{version}/tkg-compatibility";
        try
        {
            var newest = await NewestVersionTagAsync(tkgCompatibility, ct).ConfigureAwait(false);
            found(new TkgDependency($"{tkgCompatibility}:{newest}", "TKG compatibility"));
        }
        catch (CseAirgapException e) when (e is RegistryException { Kind: RegistryErrorKind.NotFound or RegistryErrorKind.TagListNotFound } || e is TkgReleaseIncompleteException)
        {
            problem(new TkgReleaseIncompleteException(tkgCompatibility,
                $"{tkgCompatibility} has no v<number> tag at the source, so the TKG compatibility image is left out; the Tanzu CLI needs it to create a management cluster. " +
                "Check -SourceRepository and -SourceMirror.", e));
        }

        foreach (var image in tkgBom.Images(source)) found(new TkgDependency(image, $"TKG {version} BOM"));

        var tkrCompatibilityRepo = $"{source}/{tkgBom.ImagePathOr("tkr-compatibility", "tkr-compatibility")}";
        var newestTkr = await NewestVersionTagAsync(tkrCompatibilityRepo, ct).ConfigureAwait(false);
        var compatibilityRef = ImageReference.Parse($"{tkrCompatibilityRepo}:{newestTkr}");
        found(new TkgDependency(compatibilityRef.ToString(), "TKr compatibility"));
        var tkrs = CompatibilityDocument.SupportedKubernetesVersions(await ReadFileAsync(compatibilityRef, ct).ConfigureAwait(false), version, compatibilityRef.ToString());
        if (tkrs.Count == 0)
            throw new RegistryException(RegistryErrorKind.NotFound, compatibilityRef.ToString(), $"{compatibilityRef} lists no Kubernetes release for TKG {version}.");
        var chosen = kubernetesVersions == null || kubernetesVersions.Count == 0
            ? tkrs
            : tkrs.Where(t => kubernetesVersions.Any(k => t.TrimStart('v').StartsWith(k.TrimStart('v'), StringComparison.OrdinalIgnoreCase))).ToList();
        if (chosen.Count == 0)
            throw new RegistryException(RegistryErrorKind.NotFound, compatibilityRef.ToString(),
                $"TKG {version} supports none of {string.Join(", ", kubernetesVersions!)}; it supports {string.Join(", ", tkrs)}.");

        var tkrBomPath = tkgBom.ImagePathOr("tkr-bom", "tkr-bom");
        var packages = tkgBom.MapValues("tkr-package-repo").Concat(tkgBom.MapValues("tkr-package")).Select(p => p.Trim('/')).ToList();
        foreach (var tkr in chosen)
        {
            var tag = tkr.Replace('+', '_');
            var tkrBomRef = ImageReference.Parse($"{source}/{tkrBomPath}:{tag}");
            _log?.Invoke($"Reading the TKr BOM {tkrBomRef}.");
            string text;
            try
            {
                text = await ReadFileAsync(tkrBomRef, ct).ConfigureAwait(false);
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
            {
                var others = chosen.Where(t => t != tkr).ToList();
                problem(new TkrBomNotFoundException(tkr, tkrBomRef.ToString(),
                    $"The TKr BOM {tkrBomRef} of Kubernetes {tkr} does not exist at the source, so that Kubernetes release (its BOM, images and packages) is left out; " +
                    (others.Count == 0
                        ? "no other release of TKG " + version + " was asked for."
                        : $"the others are listed. To leave it out on purpose, narrow with -KubernetesVersion {string.Join(", ", others.Select(o => o.Split('+')[0]))}."), e));
                continue;
            }
            var tkrBom = BomDocument.Parse(text, tkrBomRef.ToString());
            found(new TkgDependency(tkrBomRef.ToString(), $"TKr {tkr} BOM"));
            foreach (var image in tkrBom.Images(source)) found(new TkgDependency(image, $"TKr {tkr} BOM"));
            // Package repositories are bundles tagged like the TKr; Publish-CseDependency brings their images along.
            foreach (var repository in packages) found(new TkgDependency($"{source}/{repository}:{tag}", $"TKr {tkr} package repository"));
        }
    }

    private async Task<string> ReadFileAsync(ImageReference reference, CancellationToken ct)
    {
        var source = _open(reference);
        var manifest = await source.GetTopManifestAsync(ct).ConfigureAwait(false);
        if (manifest.IsIndex)
            throw new RegistryException(RegistryErrorKind.UnsupportedMediaType, reference.ToString(), $"{reference} is an index; a BOM image is a single image.");
        return await ImageFiles.ReadFileAsync(source, manifest, null, ct).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryErrorKind.InvalidInput, reference.ToString(), $"{reference} holds no file.");
    }

    /// <summary>The highest v&lt;number&gt; tag, as the TKG tooling picks its compatibility images.</summary>
    private async Task<string> NewestVersionTagAsync(string repository, CancellationToken ct)
    {
        return await NewestVersionTag.FindAsync(_open(ImageReference.Parse(repository + ":latest")), ct).ConfigureAwait(false)
            ?? throw new TkgReleaseIncompleteException(repository, $"{repository} has no v<number> tag.", null);
    }
}
