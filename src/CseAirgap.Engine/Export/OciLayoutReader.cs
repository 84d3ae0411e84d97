using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// Reads an export: an OCI image layout in a folder, in a tar, or in the numbered parts of a split tar (read in
/// place, one after the other). Blobs are served by digest; what they hold is checked by whoever reads them.
/// </summary>
public sealed class OciLayoutReader
{
    private readonly string? _folder;
    private readonly IReadOnlyList<string>? _parts;
    private readonly Dictionary<string, (long Offset, long Size)> _entries = new(StringComparer.Ordinal);
    private LinkInspector? _links;

    private OciLayoutReader(string location, string? folder, IReadOnlyList<string>? parts)
    {
        Location = location;
        _folder = folder;
        _parts = parts;
    }

    /// <summary>What the user named: the folder, the .tar, or its first part.</summary>
    public string Location { get; }

    public IReadOnlyList<LayoutImage> Images { get; private set; } = Array.Empty<LayoutImage>();

    /// <summary>
    /// True for an image recorded under an attachment tag (cosign's sha256-&lt;hex&gt;.sig, .att, .sbom, or the referrers
    /// tag) of another image of the export in the same repository, or recorded by digest with another image of that
    /// repository as its OCI subject (a referrer the source's referrers API listed): it travels with that image
    /// (-IncludeSignature), not alone.
    /// </summary>
    public bool IsAttachment(LayoutImage image)
    {
        if (!ImageReference.TryParse(image.Reference, out var reference, out _) || reference == null) return false;
        if (reference.Tag == null)
            return SubjectOf(image) is { } subject && Images.Any(i => i.Manifest.Digest.Value == subject && SameRepository(i, reference));
        if (reference.Digest != null) return false;
        if (_attachmentNames == null)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var subject in Images)
                if (ImageReference.TryParse(subject.Reference, out var s, out _) && s != null)
                    foreach (var tag in AttachmentTags.All(subject.Manifest.Digest)) names.Add($"{s.Registry}/{s.Repository}:{tag}");
            _attachmentNames = names;
        }
        return _attachmentNames.Contains($"{reference.Registry}/{reference.Repository}:{reference.Tag}");
    }

    private HashSet<string>? _attachmentNames;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _subjects = new(StringComparer.Ordinal);

    internal static bool SameRepository(LayoutImage image, ImageReference reference) =>
        ImageReference.TryParse(image.Reference, out var other, out _) && other != null && other.Registry == reference.Registry && other.Repository == reference.Repository;

    /// <summary>
    /// The digest an image manifest of the export names as its subject (OCI 1.1), or null: none, not readable, or not a
    /// digest. Read once per image, checked against its digest like any manifest of the export.
    /// </summary>
    internal string? SubjectOf(LayoutImage image) => _subjects.GetOrAdd(image.Manifest.Digest.Value, _ =>
    {
        try
        {
            var manifest = ReadManifest(image.Manifest);
            if (manifest.IsIndex) return null;
            using var json = System.Text.Json.JsonDocument.Parse(manifest.Bytes);
            return json.RootElement.TryGetProperty("subject", out var subject) && subject.ValueKind == System.Text.Json.JsonValueKind.Object &&
                subject.TryGetProperty("digest", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.String && Digest.TryParse(d.GetString(), out var digest)
                ? digest!.Value : null;
        }
        catch (Exception e) when (e is CseAirgapException || e is System.Text.Json.JsonException || e is IOException)
        {
            // Not read here: the copy that reads it reports what is wrong with it.
            return null;
        }
    });

    /// <summary>The files of a tar export (one, or the parts), for checksum checks.</summary>
    public IReadOnlyList<string> Parts => _parts ?? Array.Empty<string>();

    public bool IsTar => _parts != null;

    /// <summary>A folder with an oci-layout file, or a .tar (or its first part .tar.001) that exists.</summary>
    public static bool IsExport(string path) =>
        Directory.Exists(path)
            ? File.Exists(Path.Combine(path, OciLayoutFormat.LayoutFile))
            : System.Text.RegularExpressions.Regex.IsMatch(path, @"\.tar(\.\d{3})?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase) && PartsOf(path).Count > 0;

    /// <param name="links">Which reparse points of a folder export are links; this platform's rule by default.</param>
    public static OciLayoutReader Open(string path, LinkInspector? links = null)
    {
        var full = Path.GetFullPath(path);
        OciLayoutReader reader;
        if (Directory.Exists(full))
        {
            if (!File.Exists(Path.Combine(full, OciLayoutFormat.LayoutFile)))
                throw new ExportFileInvalidException(full, $"'{full}' is not an export: it has no oci-layout file.");
            reader = new OciLayoutReader(full, full, null) { _links = links };
        }
        else
        {
            var parts = PartsOf(full);
            if (parts.Count == 0) throw new ExportFileInvalidException(full, $"'{full}' does not exist.");
            reader = new OciLayoutReader(full, null, parts);
            reader.IndexTar();
        }
        reader.Images = OciLayoutFormat.ReadIndex(reader.ReadAll(OciLayoutFormat.IndexFile, ContentLimits.Document, "index.json"), full);
        return reader;
    }

    /// <summary>Accepts "x.tar", "x.tar.001" (the first part) or the set's base name.</summary>
    private static IReadOnlyList<string> PartsOf(string path)
    {
        var basePath = System.Text.RegularExpressions.Regex.IsMatch(path, @"\.\d{3}$") ? path.Substring(0, path.Length - 4) : path;
        return PartedFileWriter.PartFiles(basePath);
    }

    private void IndexTar()
    {
        using var stream = new ConcatenatedFileStream(_parts!);
        var reader = new TarEntryReader(stream);
        TarEntry? entry;
        // Only regular file entries are indexed: a link entry in the tar is never a blob, whatever its name.
        while ((entry = reader.Next()) != null)
        {
            if (entry.Kind != TarEntryKind.File) continue;
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name.Substring(2) : entry.Name;
            _entries[name] = (stream.Position, entry.Size);
        }
        if (!_entries.ContainsKey(OciLayoutFormat.IndexFile))
            throw new ExportIncompleteException(Location, OciLayoutFormat.IndexFile,
                $"'{Location}' has no index.json: it is not an export, or the export was interrupted (run Export-CseDependency again), or a part is missing.");
    }

    public bool HasBlob(Digest digest) =>
        _folder != null ? ExportFiles.Exists(_folder, OciLayoutFormat.BlobPath(digest)) : _entries.ContainsKey(OciLayoutFormat.BlobPath(digest));

    /// <summary>
    /// Every blob the export holds, with its size: only names that are digests (temporary files of an unfinished
    /// write and anything else are not blobs); a link under a digest's name is listed, and refused when opened.
    /// </summary>
    public IEnumerable<(Digest Digest, long Size)> Blobs()
    {
        if (_folder != null)
        {
            foreach (var folder in OciLayoutFormat.BlobFolders)
            {
                var dir = Path.Combine(_folder, folder.Replace('/', Path.DirectorySeparatorChar));
                if (!Directory.Exists(dir)) continue;
                var algorithm = folder.Substring("blobs/".Length);
                foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
                    if (Digest.TryParse(algorithm + ":" + entry.Name, out var digest))
                        yield return (digest!, entry is FileInfo f ? f.Length : 0);
            }
            yield break;
        }
        foreach (var pair in _entries)
        {
            var slash = pair.Key.LastIndexOf('/');
            if (!pair.Key.StartsWith("blobs/", StringComparison.Ordinal) || slash < 0) continue;
            if (Digest.TryParse(pair.Key.Substring("blobs/".Length, slash - "blobs/".Length) + ":" + pair.Key.Substring(slash + 1), out var digest) &&
                OciLayoutFormat.BlobPath(digest!) == pair.Key)
                yield return (digest!, pair.Value.Size);
        }
    }

    public Stream OpenBlob(Digest digest) => OpenEntry(OciLayoutFormat.BlobPath(digest));

    private Stream OpenEntry(string name)
    {
        if (_folder != null) return ExportFiles.Open(_folder, name, Location, _links);
        if (!_entries.TryGetValue(name, out var at))
            throw new ExportIncompleteException(Location, name, $"The export {Location} has no {name}: it is incomplete or a part is missing. Run Test-CseExport.");
        return new WindowStream(new ConcatenatedFileStream(_parts!), at.Offset, at.Size);
    }

    private byte[] ReadAll(string name, int limit, string what)
    {
        using var stream = OpenEntry(name);
        return ExportFiles.ReadAll(stream, limit, what, $"{Location}:{name}");
    }

    /// <summary>
    /// A manifest of the export, checked against the digest that names it (with that digest's algorithm) and, where
    /// the descriptor gives it, its size: a file swapped under a blob's name is refused, never read as the image.
    /// </summary>
    public ManifestDocument ReadManifest(Descriptor descriptor) => ReadManifest(descriptor.Digest, descriptor.Size, descriptor.MediaType);

    /// <param name="size">The size the naming descriptor gave, or null where only the digest is known.</param>
    public ManifestDocument ReadManifest(Digest digest, long? size, string? mediaType = null)
    {
        var target = $"{Location}@{digest}";
        var document = ManifestDocument.Parse(ReadAll(OciLayoutFormat.BlobPath(digest), ContentLimits.Manifest, "manifest"), mediaType, target);
        return document.VerifiedAgainst(digest, size, target, "the export is damaged or was altered");
    }
}

/// <summary>One image of an export, as a copy source.</summary>
public sealed class LayoutImageSource : IImageSource, IAttachmentSource
{
    private readonly OciLayoutReader _reader;
    private readonly LayoutImage _image;

    public LayoutImageSource(OciLayoutReader reader, LayoutImage image)
    {
        _reader = reader;
        _image = image;
    }

    public string Location => $"{_reader.Location}:{_image.Reference}";

    // Read from the export on disk: nothing kept between reads, no repository beside it, a plain retry policy.
    public string? ResolvedFrom(string digest) => Location;
    public void KeepForNextRead(Descriptor blob, byte[] verified) { }
    public RetryPolicy ReadRetry { get; } = new();
    public IImageSource? Beside(string digest) => null;
    public bool SharesRepositoryWith(IImageSource other) => false;

    public Task<string?> FindTopDigestAsync(CancellationToken ct) => Task.FromResult<string?>(_image.Manifest.Digest);

    /// <summary>The tags the export recorded for images of this one's repository.</summary>
    public Task VisitTagsAsync(Action<string> visit, CancellationToken ct)
    {
        if (!ImageReference.TryParse(_image.Reference, out var own, out _)) return Task.CompletedTask;
        foreach (var image in _reader.Images)
            if (ImageReference.TryParse(image.Reference, out var other, out _) && other!.Registry == own!.Registry && other.Repository == own.Repository && other.Tag != null)
                visit(other.Tag);
        return Task.CompletedTask;
    }

    /// <summary>The export's copy of an image a bundle names; an error that says so when the export lacks it.</summary>
    public static LayoutImageSource For(OciLayoutReader reader, ImageReference reference)
    {
        var name = reference.ToString();
        var image = reader.Images.FirstOrDefault(i => i.Reference == name)
            ?? reader.Images.FirstOrDefault(i => reference.Digest != null && i.Manifest.Digest == reference.Digest)
            ?? throw new ExportIncompleteException(reader.Location, name, $"The export {reader.Location} does not hold {name}, which a bundle in it needs. Export the bundle again.");
        return new LayoutImageSource(reader, image);
    }

    public Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct) => Task.Run(() => _reader.ReadManifest(_image.Manifest), ct);

    /// <summary>The export's images recorded under an attachment tag of <paramref name="subject"/> in this image's repository.</summary>
    public Task<IReadOnlyList<ImageAttachment>> FindAttachmentsAsync(Digest subject, int most, CancellationToken ct)
    {
        var found = new List<ImageAttachment>();
        if (ImageReference.TryParse(_image.Reference, out var me, out _) && me != null)
        {
            var tags = new HashSet<string>(AttachmentTags.All(subject), StringComparer.Ordinal);
            foreach (var image in _reader.Images)
            {
                if (!ImageReference.TryParse(image.Reference, out var other, out _) || other == null || !OciLayoutReader.SameRepository(image, me)) continue;
                if (other.Digest == null && other.Tag != null && tags.Contains(other.Tag))
                    found.Add(new ImageAttachment(other.Tag, image.Manifest.Digest, new LayoutImageSource(_reader, image)));
                else if (other.Tag == null && _reader.SubjectOf(image) == subject.Value)
                    found.Add(new ImageAttachment(null, image.Manifest.Digest, new LayoutImageSource(_reader, image)));
            }
            if (found.Count > most) throw CseAirgap.Engine.Copy.ImageTreeRefusedException.TooManyManifests(Location, found.Count, most);
        }
        return Task.FromResult<IReadOnlyList<ImageAttachment>>(found);
    }

    public Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) =>
        Task.Run(() => _reader.ReadManifest(digest, null), ct);

    public Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct) => Task.FromResult(_reader.OpenBlob(blob.Digest));
}
