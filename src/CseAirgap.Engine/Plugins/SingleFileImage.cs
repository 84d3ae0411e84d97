using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Plugins;

/// <summary>
/// Builds and pushes an image holding one file at its root (the shape imgpkg gives the plug-in inventory): one gzip
/// layer, an OCI config and manifest. Blobs go first; the tag is written last.
/// </summary>
public static class SingleFileImage
{
    public static async Task<string> PushAsync(RegistryClient client, string repository, string tag, string fileName, byte[] content, CancellationToken ct)
    {
        using var tarBuffer = new MemoryStream();
        var tar = new TarEntryWriter(tarBuffer);
        tar.WriteFile(fileName, content);
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
        var manifestJson = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciManifest + "\"," +
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digests.Sha256(config) + "\",\"size\":" + config.Length + "}," +
            "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + Digests.Sha256(layer) + "\",\"size\":" + layer.Length + "}]}";
        var manifest = ManifestDocument.Parse(Encoding.UTF8.GetBytes(manifestJson), MediaTypes.OciManifest, $"{client.Address.Host}/{repository}:{tag}");
        foreach (var blob in new[] { config, layer })
        {
            var digest = Digests.Sha256(blob);
            if (await client.HeadBlobAsync(repository, digest, RegistryScope.Push(repository), ct).ConfigureAwait(false) != null) continue;
            var session = await client.StartUploadAsync(repository, ct).ConfigureAwait(false);
            using var body = new VerifyingStream(new MemoryStream(blob, writable: false), digest, blob.Length, null);
            await client.UploadBlobAsync(session, repository, digest, blob.Length, body, ct).ConfigureAwait(false);
        }
        await client.PutManifestAsync(repository, tag, manifest, ct).ConfigureAwait(false);
        return manifest.Digest;
    }
}
