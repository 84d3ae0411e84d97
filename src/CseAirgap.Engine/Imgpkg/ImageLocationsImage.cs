using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Imgpkg;

/// <summary>
/// The image imgpkg copy writes beside each bundle it copies (tag sha256-&lt;bundle hex&gt;.image-locations.imgpkg),
/// which imgpkg reads later to find a bundle's images without walking the registry: one Docker gzip layer holding
/// image-locations.yml (apiVersion imgpkg.carvel.dev/v1alpha1, kind ImageLocations, images: image and isBundle for
/// each image of the bundle's lock, named as the lock names it). imgpkg refuses any other layer media type.
/// </summary>
public sealed class ImageLocationsImage
{
    public const string FileName = "image-locations.yml";
    public const string LayerMediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string ConfigMediaType = "application/vnd.docker.container.image.v1+json";

    private ImageLocationsImage(byte[] config, byte[] layer, ManifestDocument manifest)
    {
        Config = config;
        Layer = layer;
        Manifest = manifest;
    }

    public byte[] Config { get; }
    public byte[] Layer { get; }
    public ManifestDocument Manifest { get; }

    /// <summary>The YAML imgpkg writes (keys in the order its marshaller sorts them).</summary>
    public static string Yaml(IEnumerable<LockedImage> images)
    {
        var text = new StringBuilder("---\napiVersion: imgpkg.carvel.dev/v1alpha1\nimages:\n");
        foreach (var image in images)
            text.Append("- image: ").Append(image.Reference).Append("\n  isBundle: ").Append(image.IsBundle ? "true" : "false").Append('\n');
        return text.Append("kind: ImageLocations\n").ToString();
    }

    public static ImageLocationsImage Build(IEnumerable<LockedImage> images, string target)
    {
        using var tarBuffer = new MemoryStream();
        var tar = new TarEntryWriter(tarBuffer);
        tar.WriteFile(FileName, Encoding.UTF8.GetBytes(Yaml(images)));
        tar.WriteEnd();
        var tarBytes = tarBuffer.ToArray();
        byte[] layer;
        using (var gz = new MemoryStream())
        {
            using (var zip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) zip.Write(tarBytes, 0, tarBytes.Length);
            layer = gz.ToArray();
        }
        var config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digests.Sha256(tarBytes) + "\"]}}");
        var manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DockerManifest + "\"," +
            "\"config\":{\"mediaType\":\"" + ConfigMediaType + "\",\"digest\":\"" + Digests.Sha256(config) + "\",\"size\":" + config.Length + "}," +
            "\"layers\":[{\"mediaType\":\"" + LayerMediaType + "\",\"digest\":\"" + Digests.Sha256(layer) + "\",\"size\":" + layer.Length + "}]}";
        return new ImageLocationsImage(config, layer, ManifestDocument.Parse(Encoding.UTF8.GetBytes(manifest), MediaTypes.DockerManifest, target));
    }
}
