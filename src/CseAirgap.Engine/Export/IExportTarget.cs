using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>Where an export is written: a folder (resumable) or a tar stream (optionally in parts).</summary>
public interface IExportTarget : IDisposable
{
    /// <summary>True when the blob is already there, complete (a re-run skips it).</summary>
    bool HasBlob(Descriptor blob);

    /// <summary>Writes a blob from a stream that checks its digest as it is read; a wrong blob is never kept under its name.</summary>
    Task WriteBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct);

    /// <summary>Records an image in index.json (written by <see cref="Complete"/>), after all it points at.</summary>
    void AddImage(LayoutImage image);

    /// <summary>Writes index.json (and, for a tar, ends it and writes the part checksums).</summary>
    void Complete();

    /// <summary>Blobs an image can write in parallel (a tar takes one at a time).</summary>
    int MaxParallelBlobs { get; }
}
