using System.Collections.Generic;
using System.Text;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Imgpkg;

/// <summary>
/// The image imgpkg copy writes beside each bundle it copies (tag sha256-&lt;bundle hex&gt;.image-locations.imgpkg),
/// which imgpkg reads later to find a bundle's images without walking the registry: one Docker gzip layer holding
/// image-locations.yml (apiVersion imgpkg.carvel.dev/v1alpha1, kind ImageLocations, images: image and isBundle for
/// each image of the bundle's lock, named as the lock names it). imgpkg refuses any other layer media type.
/// </summary>
internal static class ImageLocationsImage
{
    public const string FileName = "image-locations.yml";

    /// <summary>The YAML imgpkg writes (keys in the order its marshaller sorts them).</summary>
    public static string Yaml(IEnumerable<LockedImage> images)
    {
        var text = new StringBuilder("---\napiVersion: imgpkg.carvel.dev/v1alpha1\nimages:\n");
        foreach (var image in images)
            text.Append("- image: ").Append(image.Reference).Append("\n  isBundle: ").Append(image.IsBundle ? "true" : "false").Append('\n');
        return text.Append("kind: ImageLocations\n").ToString();
    }

    public static SingleLayerImage Build(IEnumerable<LockedImage> images, string target) =>
        SingleLayerImage.Build(new[] { (FileName, Encoding.UTF8.GetBytes(Yaml(images))) }, SingleLayerImage.Docker, target);
}
