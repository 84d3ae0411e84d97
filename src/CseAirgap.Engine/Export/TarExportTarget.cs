using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// An OCI image layout streamed into one tar (in parts when asked), with no second copy on disk: oci-layout first,
/// each blob as it arrives (one at a time: a tar is sequential), index.json last. Not resumable: a re-run rewrites it.
/// A blob whose digest check fails mid-stream ends the export with an error; the tar is then incomplete and says so
/// by having no index.json.
/// </summary>
public sealed class TarExportTarget : IExportTarget
{
    private readonly PartedFileWriter _file;
    private readonly TarEntryWriter _tar;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly List<LayoutImage> _images = new();
    private readonly SemaphoreSlim _one = new(1);
    private Exception? _broken;

    public TarExportTarget(string path, long maxPartSize)
    {
        _file = new PartedFileWriter(path, maxPartSize);
        _tar = new TarEntryWriter(_file);
        _tar.WriteFile(OciLayoutFormat.LayoutFile, OciLayoutFormat.LayoutBytes);
    }

    public int MaxParallelBlobs => 1;

    public bool HasBlob(Descriptor blob)
    {
        lock (_written) return _written.Contains(blob.Digest);
    }

    public async Task WriteBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        await _one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_broken != null) throw new IOException($"The tar export stopped at an earlier failure ({_broken.Message}); run the export again.", _broken);
            if (HasBlob(blob)) return;
            using var source = await open(ct).ConfigureAwait(false);
            try
            {
                _tar.WriteHeader(OciLayoutFormat.BlobPath(blob.Digest), blob.Size);
                await source.CopyToAsync(_file, 1 << 20, ct).ConfigureAwait(false);
                _tar.WritePadding(blob.Size);
            }
            catch (Exception e)
            {
                // Half an entry is in the tar: nothing more may be appended after it.
                _broken = e;
                throw;
            }
            lock (_written) _written.Add(blob.Digest);
        }
        finally
        {
            _one.Release();
        }
    }

    public void AddImage(LayoutImage image)
    {
        lock (_images) _images.Add(image);
    }

    public bool IsBroken => _broken != null;

    public void Complete()
    {
        if (_broken != null) return;
        lock (_images) _tar.WriteFile(OciLayoutFormat.IndexFile, OciLayoutFormat.WriteIndex(_images));
        _tar.WriteEnd();
        _file.Finish();
    }

    public void Dispose()
    {
        _file.Dispose();
        _one.Dispose();
    }
}
