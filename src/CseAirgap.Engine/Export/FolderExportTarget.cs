using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// An OCI image layout in a folder. Each blob is written under a temporary name and renamed only once its digest
/// has been checked, so a crash never leaves a wrong blob under a right name; a re-run finds what is there.
/// </summary>
public sealed class FolderExportTarget : IExportTarget
{
    private readonly string _root;
    private readonly Dictionary<string, LayoutImage> _images = new(StringComparer.Ordinal);

    public FolderExportTarget(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, "blobs", "sha256"));
        var index = Path.Combine(_root, OciLayoutFormat.IndexFile);
        // A re-run keeps what earlier runs recorded.
        if (File.Exists(index))
            foreach (var image in OciLayoutFormat.ReadIndex(File.ReadAllBytes(index), _root)) _images[image.Reference] = image;
        File.WriteAllBytes(Path.Combine(_root, OciLayoutFormat.LayoutFile), OciLayoutFormat.LayoutBytes);
    }

    public int MaxParallelBlobs => 6;

    public bool HasBlob(Descriptor blob)
    {
        var file = new FileInfo(Path.Combine(_root, OciLayoutFormat.BlobPath(blob.Digest)));
        return file.Exists && file.Length == blob.Size;
    }

    public async Task WriteBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        var final = Path.Combine(_root, OciLayoutFormat.BlobPath(blob.Digest));
        var temporary = final + ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        try
        {
            using (var source = await open(ct).ConfigureAwait(false))
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
            {
                await source.CopyToAsync(file, 1 << 20, ct).ConfigureAwait(false);
            }
            if (File.Exists(final)) File.Delete(temporary);
            else File.Move(temporary, final);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public void AddImage(LayoutImage image)
    {
        lock (_images) _images[image.Reference] = image;
    }

    public void Complete()
    {
        var index = Path.Combine(_root, OciLayoutFormat.IndexFile);
        var temporary = index + ".partial";
        lock (_images) File.WriteAllBytes(temporary, OciLayoutFormat.WriteIndex(_images.Values));
        if (File.Exists(index)) File.Delete(index);
        File.Move(temporary, index);
    }

    public void Dispose() { }
}
