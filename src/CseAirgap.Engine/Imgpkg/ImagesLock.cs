using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tkg;

namespace CseAirgap.Engine.Imgpkg;

/// <summary>
/// An imgpkg bundle's .imgpkg/images.yml (apiVersion imgpkg.carvel.dev/v1alpha1, kind ImagesLock): the images the
/// bundle needs, each by digest.
/// </summary>
public static class ImagesLock
{
    public const string LockPath = ".imgpkg/images.yml";

    /// <summary>The images a bundle's lock names, read from the bundle's layers (a lock file of at most 16 MiB).</summary>
    /// <param name="maxEntries">The most entries the lock may list; one more is refused as BundleLockLimitExceeded.</param>
    public static async Task<IReadOnlyList<ImageReference>> ReadAsync(IImageSource bundle, ManifestDocument manifest, string target, int maxEntries, CancellationToken ct)
    {
        var text = await ImageFiles.ReadFileAsync(bundle, manifest, LockPath, ct, ContentLimits.Document).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryErrorKind.InvalidInput, target, $"{target} is labelled an imgpkg bundle but holds no {LockPath}.");
        // A lock cannot name the bundle itself (the lock is part of the bundle's digest); skip it if one does anyway.
        return Parse(text, target, maxEntries).Where(i => i.Digest != manifest.Digest).ToList();
    }

    public static IReadOnlyList<ImageReference> Parse(string yaml, string target, int maxEntries = int.MaxValue)
    {
        var tree = YamlTree.Parse(yaml, target);
        var kind = YamlTree.Scalar(tree.Root, "kind");
        if (kind != null && kind != "ImagesLock")
            throw new RegistryException(RegistryErrorKind.InvalidInput, target, $"{target}: {LockPath} is a '{kind}', not an ImagesLock.");
        var images = new List<ImageReference>();
        foreach (var item in YamlTree.Items(YamlTree.Child(tree.Root, "images")))
        {
            var text = YamlTree.Scalar(item, "image");
            if (text == null) continue;
            if (images.Count == maxEntries) throw ImageTreeRefusedException.LockTooLarge(target, maxEntries);
            if (!ImageReference.TryParse(text, out var reference, out var error) || reference!.Digest == null)
                throw new RegistryException(RegistryErrorKind.InvalidInput, target, $"{target}: the lock names '{text}', which is not an image by digest ({error ?? "no digest"}).");
            images.Add(reference);
        }
        return images;
    }
}
