using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>
/// An image the module writes itself (the plug-in inventory, imgpkg's image-locations): its files in one gzip layer,
/// an empty config naming that layer's diff ID, and a manifest in the media types the reader of the image expects.
/// </summary>
internal sealed class SingleLayerImage
{
    /// <summary>OCI media types (the Tanzu CLI's inventory image).</summary>
    public static readonly (string Manifest, string Config, string Layer) Oci =
        (MediaTypes.OciManifest, "application/vnd.oci.image.config.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip");

    /// <summary>Docker schema 2 media types (imgpkg refuses any other layer type for its image-locations).</summary>
    public static readonly (string Manifest, string Config, string Layer) Docker =
        (MediaTypes.DockerManifest, "application/vnd.docker.container.image.v1+json", "application/vnd.docker.image.rootfs.diff.tar.gzip");

    private SingleLayerImage(byte[] config, byte[] layer, ManifestDocument manifest)
    {
        Config = config;
        Layer = layer;
        Manifest = manifest;
    }

    public byte[] Config { get; }
    public byte[] Layer { get; }
    public ManifestDocument Manifest { get; }

    public static SingleLayerImage Build(IEnumerable<(string Name, byte[] Content)> files, (string Manifest, string Config, string Layer) types, string target)
    {
        using var tarBuffer = new MemoryStream();
        var tar = new TarEntryWriter(tarBuffer);
        foreach (var (name, content) in files) tar.WriteFile(name, content);
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
        var manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + types.Manifest + "\"," +
            "\"config\":{\"mediaType\":\"" + types.Config + "\",\"digest\":\"" + Digests.Sha256(config) + "\",\"size\":" + config.Length + "}," +
            "\"layers\":[{\"mediaType\":\"" + types.Layer + "\",\"digest\":\"" + Digests.Sha256(layer) + "\",\"size\":" + layer.Length + "}]}";
        return new SingleLayerImage(config, layer, ManifestDocument.Parse(Encoding.UTF8.GetBytes(manifest), types.Manifest, target));
    }

    /// <summary>Pushes the blobs the repository lacks, then the manifest under <paramref name="tag"/>; returns its digest.</summary>
    public async Task<Digest> PushAsync(RegistryClient client, string repository, string tag, CancellationToken ct)
    {
        // The manifest names the config first, then the layer: their digests were computed when it was built.
        foreach (var (blob, digest) in new[] { (Config, Manifest.Blobs[0].Digest), (Layer, Manifest.Blobs[1].Digest) })
        {
            if (await client.HeadBlobAsync(repository, digest, RegistryScope.Push(repository), ct).ConfigureAwait(false) != null) continue;
            var session = await client.StartUploadAsync(repository, ct).ConfigureAwait(false);
            using var body = new VerifyingStream(new MemoryStream(blob, writable: false), digest, blob.Length, null);
            await client.UploadBlobAsync(session, repository, digest, blob.Length, body, ct).ConfigureAwait(false);
        }
        await client.PutManifestAsync(repository, tag, Manifest, ct).ConfigureAwait(false);
        return Manifest.Digest;
    }
}
