using System;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// The most one expansion may write: bytes (file contents written, and the output of every gzip or zstd stream
/// read, each counted on its own) and entries (every tar header of the archive and its layers). A compression bomb
/// or an archive of hard links made into copies is refused with a <see cref="Failures.ContentTooLargeException"/>
/// long before it fills the disk.
/// </summary>
public sealed class ExpansionLimits
{
    /// <summary>
    /// 8 GiB: the CSE getting-started image expands to a few hundred MB, and the largest images this module meets
    /// (CUDA-sized) to a few GiB; 8 GiB leaves room for those while a bomb stops before it fills an ordinary disk.
    /// </summary>
    public const long DefaultMaxBytes = 8L * 1024 * 1024 * 1024;

    /// <summary>
    /// One million: the CSE artifact holds some thousands of files and a full distribution image some tens of
    /// thousands; a million is far above both and still stops an archive that would exhaust a file system's inodes.
    /// </summary>
    public const long DefaultMaxEntries = 1_000_000;

    public ExpansionLimits(long maxBytes = DefaultMaxBytes, long maxEntries = DefaultMaxEntries)
    {
        if (maxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "The cap on bytes must be positive.");
        if (maxEntries <= 0) throw new ArgumentOutOfRangeException(nameof(maxEntries), maxEntries, "The cap on entries must be positive.");
        MaxBytes = maxBytes;
        MaxEntries = maxEntries;
    }

    public static ExpansionLimits Default { get; } = new();

    public long MaxBytes { get; }
    public long MaxEntries { get; }
}
