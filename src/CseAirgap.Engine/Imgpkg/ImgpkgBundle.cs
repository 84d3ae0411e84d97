using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Imgpkg;

/// <summary>What marks an image as an imgpkg bundle, and the tags imgpkg writes beside a bundle it copies.</summary>
public static class ImgpkgBundle
{
    /// <summary>The config label imgpkg gives a bundle.</summary>
    public const string Label = "dev.carvel.imgpkg.bundle";

    /// <summary>True for a single image whose config carries the bundle label (an index is never a bundle).</summary>
    public static async Task<bool> IsBundleAsync(IImageSource source, ManifestDocument manifest, CancellationToken ct) =>
        !manifest.IsIndex && (await ImageFiles.LabelsAsync(source, manifest, ct).ConfigureAwait(false)).ContainsKey(Label);

    /// <summary>The tag imgpkg gives every image it relocates, the bundle included: sha256-&lt;hex&gt;.imgpkg.</summary>
    public static string Tag(Digest digest) => digest.TagForm + ".imgpkg";

    /// <summary>The tag of the image recording where a bundle's images went: sha256-&lt;hex&gt;.image-locations.imgpkg.</summary>
    public static string LocationsTag(Digest digest) => digest.TagForm + ".image-locations.imgpkg";
}
