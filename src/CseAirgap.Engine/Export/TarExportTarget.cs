using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// An OCI image layout streamed into one tar (in parts when asked), with no second copy on disk: oci-layout first,
/// each blob as it arrives (one at a time: a tar is sequential), index.json last. Not resumable: a re-run rewrites it.
/// A blob whose digest check fails mid-stream ends the export with an error; the tar is then incomplete and says so
/// by having no index.json.
/// </summary>
public sealed class TarExportTarget : LayoutDestination
{
    private readonly PartedFileWriter _file;
    private readonly TarEntryWriter _tar;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _one = new(1);
    private Exception? _broken;

    public TarExportTarget(string path, long maxPartSize) : base(Path.GetFullPath(path))
    {
        _file = new PartedFileWriter(path, maxPartSize);
        _tar = new TarEntryWriter(_file);
        _tar.WriteFile(OciLayoutFormat.LayoutFile, OciLayoutFormat.LayoutBytes);
    }

    public override int MaxParallelBlobs => 1;

    // Half an entry is in the tar after a failed write: nothing more may be appended.
    public override bool CanWriteMore => _broken == null;

    public override bool HasBlob(Descriptor blob)
    {
        lock (_written) return _written.Contains(blob.Digest.Value);
    }

    public override async Task WriteBlobAsync(string store, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
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
                _broken = e;
                throw;
            }
            lock (_written) _written.Add(blob.Digest.Value);
        }
        finally
        {
            _one.Release();
        }
    }

    public override void Complete()
    {
        if (_broken != null) return;
        _tar.WriteFile(OciLayoutFormat.IndexFile, IndexBytes());
        _tar.WriteEnd();
        _file.Finish();
    }

    public override void Dispose()
    {
        _file.Dispose();
        _one.Dispose();
    }
}
