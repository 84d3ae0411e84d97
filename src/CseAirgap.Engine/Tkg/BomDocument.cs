using System;
using System.Collections.Generic;
using System.Linq;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tkg;

/// <summary>
/// A TKG or TKr bill of materials (the tanzu-framework format): <c>imageConfig.imageRepository</c> (the host the BOM
/// was built against, kept only as a sign that this is a BOM), and
/// <c>components</c> mapping each component to a list of versions whose <c>images</c> name
/// <c>imagePath</c>, <c>tag</c> and an optional per-image <c>imageRepository</c>. A TKG BOM also points at the TKr BOM
/// (<c>tkr-bom.imagePath</c>), the compatibility image (<c>tkr-compatibility.imagePath</c>) and the per-TKr package
/// repositories (<c>tkr-package-repo</c>, <c>tkr-package</c>).
/// </summary>
public sealed class BomDocument
{
    private readonly YamlTree _tree;

    private BomDocument(YamlTree tree, string target)
    {
        _tree = tree;
        ImageRepository = YamlTree.Scalar(tree.At("imageConfig"), "imageRepository")
            ?? throw new RegistryException(RegistryErrorKind.InvalidInput, target, $"{target} has no imageConfig.imageRepository: it is not a TKG or TKr BOM.");
        ImageRepository = ImageRepository.TrimEnd('/');
        ReleaseVersion = YamlTree.Scalar(tree.At("release"), "version");
        DefaultKubernetesVersion = YamlTree.Scalar(tree.At("default"), "k8sVersion");
    }

    public string ImageRepository { get; }
    public string? ReleaseVersion { get; }
    public string? DefaultKubernetesVersion { get; }

    public static BomDocument Parse(string yaml, string target) => new(YamlTree.Parse(yaml, target), target);

    /// <summary>
    /// Every image the components name, as <paramref name="sourceRepository"/>/imagePath:tag (duplicates removed). The
    /// BOM's own imageConfig.imageRepository and per-image imageRepository are ignored, as tanzu-framework's
    /// isolated-cluster plug-in ignores them: a BOM names the staging host it was built against, while the images are
    /// read from the repository the user chose, so they land under &lt;base&gt;/tkg/ whatever the BOM says.
    /// </summary>
    public IReadOnlyList<string> Images(string sourceRepository)
    {
        var images = new List<string>();
        foreach (var component in YamlTree.Entries(_tree.At("components")))
            foreach (var version in YamlTree.Items(component.Value))
                foreach (var image in YamlTree.Entries(YamlTree.Child(version, "images")))
                {
                    var path = YamlTree.Scalar(image.Value, "imagePath");
                    var tag = YamlTree.Scalar(image.Value, "tag");
                    if (path == null || tag == null) continue;
                    images.Add($"{sourceRepository.TrimEnd('/')}/{path.Trim('/')}:{tag}");
                }
        return images.Distinct(StringComparer.Ordinal).ToList();
    }

    public string? ImagePathOf(string key) => YamlTree.Scalar(_tree.At(key), "imagePath");

    /// <summary>The imagePath under <paramref name="key"/> (tkr-bom, tkr-compatibility), or <paramref name="fallback"/>.</summary>
    public string ImagePathOr(string key, string fallback) => ImagePathOf(key)?.Trim('/') is { Length: > 0 } path ? path : fallback;

    /// <summary>The values of a map such as tkr-package-repo (one repository per infrastructure).</summary>
    public IReadOnlyList<string> MapValues(string key) =>
        YamlTree.Entries(_tree.At(key)).Select(e => (e.Value as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
}

/// <summary>tkr-compatibility.yaml: for each management cluster (TKG) version, the TKr versions it supports.</summary>
public static class CompatibilityDocument
{
    public static IReadOnlyList<string> SupportedKubernetesVersions(string yaml, string tkgVersion, string target)
    {
        var tree = YamlTree.Parse(yaml, target);
        var wanted = "v" + tkgVersion.TrimStart('v');
        foreach (var entry in YamlTree.Items(tree.At("managementClusterVersions")))
        {
            if (YamlTree.Scalar(entry, "version") != wanted) continue;
            return YamlTree.Items(YamlTree.Child(entry, "supportedKubernetesVersions"))
                .Select(n => (n as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value).Where(v => v != null).Select(v => v!).ToList();
        }
        return Array.Empty<string>();
    }
}
