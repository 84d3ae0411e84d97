using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// Expands an image kept in a file: a file-system tar from docker export, a docker save archive
/// (manifest.json and its layers) or an OCI image layout archive (oci-layout, index.json, blobs/).
/// </summary>
public sealed class ImageArchiveExpander
{
    private readonly Action<string>? _log;

    public ImageArchiveExpander(Action<string>? log) => _log = log;

    public ExpandedImage Expand(string archive, string platform, string destination)
    {
        if (!File.Exists(archive)) throw new RegistryException(RegistryErrorKind.InvalidInput, archive, $"The archive '{archive}' does not exist.");
        var names = ListNames(archive);
        using var staging = new StagingFolder(destination);
        var applier = new LayerApplier(staging.Folder, _log);
        string? digest = null;
        if (names.Contains("manifest.json") || (names.Contains("oci-layout") && names.Contains("index.json")))
        {
            // An image archive: unpack it aside (safely), then stack its layers.
            using var unpacked = new StagingFolder(destination + ".archive");
            using (var file = File.OpenRead(archive))
            using (var tar = LayerDecompression.Open(file))
                new LayerApplier(unpacked.Folder, _log).Apply(tar, honourWhiteouts: false);
            var layers = names.Contains("manifest.json") ? DockerSaveLayers(unpacked.Folder, out digest) : OciLayers(unpacked.Folder, platform, archive, out digest);
            var i = 0;
            foreach (var (path, layerDigest, size) in layers)
            {
                _log?.Invoke($"Applying layer {++i} of {layers.Count}.");
                using var layerFile = File.OpenRead(path);
                Stream source = layerDigest == null ? layerFile : new VerifyingStream(layerFile, layerDigest, size, null);
                using var tar = LayerDecompression.Open(source);
                applier.Apply(tar);
                // To the last byte of the layer file, so its digest is checked before anything is kept.
                RegistryImageExpander.Drain(tar);
                RegistryImageExpander.Drain(source);
            }
        }
        else
        {
            using var file = File.OpenRead(archive);
            using var tar = LayerDecompression.Open(file);
            applier.Apply(tar, honourWhiteouts: false);
        }
        staging.Commit();
        return new ExpandedImage(destination, digest, applier.SkippedDevices, applier.SkippedLinks);
    }

    private static HashSet<string> ListNames(string archive)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var file = File.OpenRead(archive);
        using var tar = LayerDecompression.Open(file);
        var reader = new TarEntryReader(tar);
        TarEntry? entry;
        while ((entry = reader.Next()) != null)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name.Substring(2) : entry.Name;
            names.Add(name);
            // The markers sit at the top; a file-system tar is recognised without reading all of it.
            if (names.Count > 64 && !names.Contains("manifest.json") && !names.Contains("oci-layout")) break;
        }
        return names;
    }

    /// <summary>docker save: manifest.json lists the layer files in order.</summary>
    private static List<(string Path, string? Digest, long Size)> DockerSaveLayers(string root, out string? digest)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "manifest.json")));
        var image = json.RootElement.EnumerateArray().First();
        digest = null;
        var layers = new List<(string, string?, long)>();
        foreach (var layer in image.GetProperty("Layers").EnumerateArray())
        {
            var relative = layer.GetString() ?? string.Empty;
            var full = InsideRoot(root, relative);
            // Newer Docker stores layers as blobs/sha256/<hex>: their names are their digests, so check them.
            var blobDigest = relative.StartsWith("blobs/sha256/", StringComparison.Ordinal) ? "sha256:" + Path.GetFileName(relative) : null;
            layers.Add((full, blobDigest, new FileInfo(full).Length));
        }
        if (File.Exists(Path.Combine(root, "index.json"))) digest = OciManifestDigest(root);
        return layers;
    }

    /// <summary>OCI layout: index.json, then the image manifest (the platform asked for, from an index), then its layers.</summary>
    private static List<(string Path, string? Digest, long Size)> OciLayers(string root, string platform, string target, out string? digest)
    {
        var index = ManifestDocument.Parse(File.ReadAllBytes(Path.Combine(root, "index.json")), MediaTypes.OciIndex, target);
        var entry = index.Children.Count == 1 ? index.Children[0] : PlatformSelector.Select(index, platform, target);
        var manifest = ReadBlob(root, entry, target);
        digest = manifest.Digest;
        if (manifest.IsIndex) manifest = ReadBlob(root, PlatformSelector.Select(manifest, platform, target), target);
        return manifest.Blobs.Skip(1).Select(b => (BlobPath(root, b.Digest), (string?)b.Digest, b.Size)).ToList();
    }

    private static string? OciManifestDigest(string root)
    {
        var index = ManifestDocument.Parse(File.ReadAllBytes(Path.Combine(root, "index.json")), MediaTypes.OciIndex, "index.json");
        return index.Children.Count == 1 ? index.Children[0].Digest.Value : null;
    }

    private static ManifestDocument ReadBlob(string root, Descriptor descriptor, string target)
    {
        var document = ManifestDocument.Parse(File.ReadAllBytes(BlobPath(root, descriptor.Digest)), descriptor.MediaType, target);
        if (document.Digest != descriptor.Digest)
            throw new RegistryException(RegistryErrorKind.DigestMismatch, target, $"The manifest {descriptor.Digest} in {target} hashes to {document.Digest}: the archive is damaged.");
        return document;
    }

    private static string BlobPath(string root, string digest) => InsideRoot(root, "blobs/" + digest.Replace(':', '/'));

    private static string InsideRoot(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new UnsafeEntryException(relative, "the archive's manifest points outside the archive");
        return full;
    }
}
