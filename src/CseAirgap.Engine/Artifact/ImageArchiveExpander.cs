using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// Expands an image kept in a file: a file-system tar from docker export, a docker save archive
/// (manifest.json and its layers) or an OCI image layout archive (oci-layout, index.json, blobs/).
/// The archive is untrusted: its documents are read only as regular files and only up to their caps, its digests
/// are parsed before they name a file, and its layers are applied through the same gate as a registry's.
/// </summary>
public sealed class ImageArchiveExpander
{
    private readonly Action<string>? _log;
    private readonly ExpansionLimits _limits;
    private readonly ExpansionPlatform _platform;

    /// <param name="platform">Path rules, gzip reader and folder moves; this platform's own by default.</param>
    public ImageArchiveExpander(Action<string>? log, ExpansionLimits? limits = null, ExpansionPlatform? platform = null)
    {
        _log = log;
        _limits = limits ?? ExpansionLimits.Default;
        _platform = platform ?? ExpansionPlatform.ForThisPlatform;
    }

    public ExpandedImage Expand(string archive, string platform, string destination)
    {
        if (!File.Exists(archive)) throw new RegistryException(RegistryErrorKind.InvalidInput, archive, $"The archive '{archive}' does not exist.");
        var kind = ArchiveKindOf(archive, _limits, _platform.GzipReader);
        using var staging = new StagingFolder(destination, _log, _platform.FolderMover);
        // One budget for the whole expansion: the archive, its unpacked files and every layer.
        var budget = new ExpansionBudget(_limits, archive);
        var applier = new LayerApplier(staging.Folder, _log, budget, rules: _platform.PathRules);
        string? digest = null;
        if (kind == ArchiveKind.FileSystem)
        {
            using var file = File.OpenRead(archive);
            using var tar = LayerDecompression.Open(file, budget, _platform.GzipReader);
            applier.Apply(tar, honourWhiteouts: false);
        }
        else
        {
            // An image archive: unpack it aside (its regular files only), then stack its layers.
            using var unpacked = new StagingFolder(destination + ".archive", _log);
            ImageArchiveContents contents;
            using (var file = File.OpenRead(archive))
            using (var tar = LayerDecompression.Open(file, budget, _platform.GzipReader))
                contents = ImageArchiveContents.Unpack(tar, unpacked.Folder, archive, budget, _platform.PathRules);
            var layers = kind == ArchiveKind.DockerSave ? DockerSaveLayers(contents, archive, out digest) : OciLayers(contents, platform, archive, out digest);
            var i = 0;
            foreach (var (name, layerDigest, size) in layers)
            {
                _log?.Invoke($"Applying layer {++i} of {layers.Count}.");
                var (layerFile, fileSize) = contents.OpenLayer(name);
                using (layerFile)
                {
                    Stream source = layerDigest == null ? layerFile : new VerifyingStream(layerFile, layerDigest, size ?? fileSize, null);
                    using var tar = LayerDecompression.Open(source, budget, _platform.GzipReader);
                    applier.Apply(tar);
                    // To the last byte of the layer file, so its digest is checked before anything is kept.
                    RegistryImageExpander.Drain(tar);
                    RegistryImageExpander.Drain(source);
                }
            }
        }
        applier.Finish();
        staging.Commit();
        return new ExpandedImage(destination, digest, applier);
    }

    private enum ArchiveKind
    {
        FileSystem,
        DockerSave,
        OciLayout,
    }

    /// <summary>
    /// Every header is looked at, whatever the order of the entries: the Docker CLI writes names in sorted order, so a
    /// save of many layers has its manifest.json far down. Only headers are read (an uncompressed archive is seeked through),
    /// under the caps of its own budget, so a compressed bomb is not read through twice.
    /// </summary>
    private static ArchiveKind ArchiveKindOf(string archive, ExpansionLimits limits, Func<Stream, Stream> gzipReader)
    {
        var budget = new ExpansionBudget(limits, archive);
        bool manifest = false, layout = false, index = false;
        using var file = File.OpenRead(archive);
        using var tar = LayerDecompression.Open(file, budget, gzipReader);
        var reader = new TarEntryReader(tar);
        TarEntry? entry;
        while ((entry = reader.Next()) != null)
        {
            budget.ChargeEntry();
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name.Substring(2) : entry.Name;
            if (name == "manifest.json") manifest = true;
            else if (name == "oci-layout") layout = true;
            else if (name == "index.json") index = true;
            if (manifest) return ArchiveKind.DockerSave;
        }
        return layout && index ? ArchiveKind.OciLayout : ArchiveKind.FileSystem;
    }

    /// <summary>docker save: manifest.json lists the layer files in order.</summary>
    private static List<(string Name, Digest? Digest, long? Size)> DockerSaveLayers(ImageArchiveContents contents, string archive, out string? digest)
    {
        using var json = ParseJson(contents.ReadDocument("manifest.json", ContentLimits.Document), archive);
        var images = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.EnumerateArray().ToList() : new List<JsonElement>();
        if (images.Count == 0 || images[0].ValueKind != JsonValueKind.Object || !images[0].TryGetProperty("Layers", out var layerList) || layerList.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"The manifest.json of {archive} lists no image with layers: the archive is damaged or not a docker save archive.");
        digest = null;
        var layers = new List<(string, Digest?, long?)>();
        foreach (var layer in layerList.EnumerateArray())
        {
            var name = layer.ValueKind == JsonValueKind.String ? layer.GetString()! : throw new InvalidDataException($"The manifest.json of {archive} lists a layer that is not a file name.");
            var parts = EntryName.Split(name);
            // Newer Docker stores layers as blobs/<algorithm>/<hex>: their names are their digests, so check them.
            var blobDigest = parts.Length == 3 && parts[0] == "blobs" ? Digest.Parse(parts[1] + ":" + parts[2], archive) : null;
            layers.Add((name, blobDigest, null));
        }
        if (contents.Contains("index.json")) digest = OciManifestDigest(contents, archive);
        return layers;
    }

    private static JsonDocument ParseJson(byte[] bytes, string archive)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The manifest.json of {archive} is not JSON ({e.Message}): the archive is damaged or not a docker save archive.", e);
        }
    }

    /// <summary>OCI layout: index.json, then the image manifest (the platform asked for, from an index), then its layers.</summary>
    private static List<(string Name, Digest? Digest, long? Size)> OciLayers(ImageArchiveContents contents, string platform, string target, out string? digest)
    {
        var index = ManifestDocument.Parse(contents.ReadDocument("index.json", ContentLimits.Manifest), MediaTypes.OciIndex, target);
        var entry = index.Children.Count == 1 ? index.Children[0] : PlatformSelector.Select(index, platform, target);
        var manifest = ReadBlob(contents, entry, target);
        digest = manifest.Digest;
        if (manifest.IsIndex) manifest = ReadBlob(contents, PlatformSelector.Select(manifest, platform, target), target);
        return manifest.Blobs.Skip(1).Select(b => (BlobName(b.Digest), (Digest?)b.Digest, (long?)b.Size)).ToList();
    }

    private static string? OciManifestDigest(ImageArchiveContents contents, string archive)
    {
        var index = ManifestDocument.Parse(contents.ReadDocument("index.json", ContentLimits.Manifest), MediaTypes.OciIndex, archive);
        return index.Children.Count == 1 ? index.Children[0].Digest.Value : null;
    }

    // Checked in the algorithm of the digest that names it (sha256 or sha512), and against the descriptor's size.
    private static ManifestDocument ReadBlob(ImageArchiveContents contents, Descriptor descriptor, string target) =>
        ManifestDocument.Parse(contents.ReadDocument(BlobName(descriptor.Digest), ContentLimits.Manifest), descriptor.MediaType, target)
            .VerifiedAgainst(descriptor.Digest, descriptor.Size, target, "the archive is damaged or was altered");

    /// <summary>Only a parsed digest names a blob: its algorithm and hex digits are plain names.</summary>
    private static string BlobName(Digest digest) => "blobs/" + digest.Algorithm + "/" + digest.Hex;
}
