using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// An OCI image layout in a folder. Each blob is written under a temporary name and renamed only once its digest
/// has been checked, so a crash never leaves a wrong blob under a right name; a re-run finds what is there and
/// removes what interrupted runs left behind.
/// </summary>
public sealed class FolderExportTarget : LayoutDestination
{
    private readonly string _root;
    private readonly LinkInspector _links;
    private readonly string? _format;
    private readonly long? _largestFile;

    /// <param name="log">Hears of the leftovers of interrupted runs that were removed.</param>
    /// <param name="links">Which reparse points are links (a deduplicated blob is not); this platform's rule by default.</param>
    /// <param name="volumes">The file system of the folder (a blob FAT32 cannot hold is refused before it is fetched); this machine's by default.</param>
    public FolderExportTarget(string root, Action<string>? log = null, LinkInspector? links = null, VolumeFileSystem? volumes = null) : base(Path.GetFullPath(root))
    {
        _root = Path.GetFullPath(root);
        _links = links ?? LinkInspector.ForThisPlatform;
        _format = (volumes ?? VolumeFileSystem.OfThisMachine).FormatOf(_root);
        _largestFile = VolumeFileSystem.LargestFileOn(_format);
        foreach (var folder in OciLayoutFormat.BlobFolders) Directory.CreateDirectory(Path.Combine(_root, folder));
        var removed = PartialFiles.RemoveStale(_root, OciLayoutFormat.BlobFolders);
        if (removed > 0) log?.Invoke($"{_root}: removed {removed} unfinished files left by interrupted exports.");
        var index = Path.Combine(_root, OciLayoutFormat.IndexFile);
        // A re-run keeps what earlier runs recorded.
        if (File.Exists(index))
            foreach (var image in OciLayoutFormat.ReadIndex(ExportFiles.ReadAll(_root, OciLayoutFormat.IndexFile, ContentLimits.Document, "index.json", _links), _root)) Remember(image);
        File.WriteAllBytes(Path.Combine(_root, OciLayoutFormat.LayoutFile), OciLayoutFormat.LayoutBytes);
    }

    public override int MaxParallelBlobs => 12;
    public override bool CanWriteMore => true;

    public override bool HasBlob(Descriptor blob)
    {
        var path = Path.Combine(_root, OciLayoutFormat.BlobPath(blob.Digest));
        var file = new FileInfo(path);
        return file.Exists && !_links.IsLink(path) && file.Length == blob.Size;
    }

    public override async Task WriteBlobAsync(string store, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        var final = Path.Combine(_root, OciLayoutFormat.BlobPath(blob.Digest));
        if (blob.Size > _largestFile) throw FileTooLargeForFileSystemException.Blob(final, _format!, blob.Size, _largestFile.Value);
        var temporary = PartialFiles.NameFor(final);
        try
        {
            using (var source = await open(ct).ConfigureAwait(false))
            using (var file = PartialFiles.Create(temporary))
            {
                await source.CopyToAsync(file, 1 << 20, ct).ConfigureAwait(false);
            }
            // A wrong-size file (a damaged earlier copy) or a link under the name is replaced, never trusted.
            if (HasBlob(blob)) File.Delete(temporary);
            else
            {
                if (File.Exists(final) || Directory.Exists(final)) File.Delete(final);
                File.Move(temporary, final);
            }
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public override void Complete()
    {
        var index = Path.Combine(_root, OciLayoutFormat.IndexFile);
        var temporary = PartialFiles.NameFor(index);
        try
        {
            using (var file = PartialFiles.Create(temporary))
            {
                var bytes = IndexBytes();
                file.Write(bytes, 0, bytes.Length);
            }
            if (File.Exists(index)) File.Delete(index);
            File.Move(temporary, index);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
