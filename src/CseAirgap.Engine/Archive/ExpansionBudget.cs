using System.Globalization;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// What one expansion has used of its <see cref="ExpansionLimits"/>. Charged before the bytes reach the disk (a file's
/// size from its header, a copy's from its source) and while a compressed stream is read, so a refusal comes first.
/// A hard link costs an entry and no bytes. Not thread-safe: one expansion applies its layers one at a time.
/// </summary>
public sealed class ExpansionBudget
{
    private readonly string _target;

    /// <param name="target">The archive or image being expanded, for the message.</param>
    public ExpansionBudget(ExpansionLimits limits, string target)
    {
        Limits = limits;
        _target = target;
    }

    public ExpansionLimits Limits { get; }
    public long BytesWritten { get; private set; }
    public long BytesDecompressed { get; private set; }
    public long Entries { get; private set; }

    /// <summary>One tar header read, whatever it is (file, folder, link, whiteout, device).</summary>
    public void ChargeEntry()
    {
        if (++Entries <= Limits.MaxEntries) return;
        throw new ContentTooLargeException(_target, Limits.MaxEntries,
            $"{_target} holds more than {Limits.MaxEntries.ToString("N0", CultureInfo.InvariantCulture)} entries (all its layers together), " +
            "the most one expansion writes (-MaxEntryCount). No real artifact has that many: the source may be damaged or hostile. " +
            "If you trust it, pass a larger -MaxEntryCount.");
    }

    /// <summary>Bytes about to be written into the destination (a file's content, or a hard link written as a copy).</summary>
    public void ChargeBytes(long count, string entry)
    {
        BytesWritten += count;
        if (count >= 0 && BytesWritten <= Limits.MaxBytes) return;
        throw new ContentTooLargeException(_target, Limits.MaxBytes,
            $"Expanding {_target} would write more than {Describe(Limits.MaxBytes)} (reached at '{entry}'), the most one expansion writes " +
            "(-MaxExpandedBytes). The source may be damaged or hostile; if you trust it and have the disk space, pass a larger -MaxExpandedBytes.");
    }

    /// <summary>Bytes that came out of a gzip or zstd stream, counted as they are read.</summary>
    public void ChargeDecompressed(long count)
    {
        BytesDecompressed += count;
        if (BytesDecompressed <= Limits.MaxBytes) return;
        throw new ContentTooLargeException(_target, Limits.MaxBytes,
            $"The compressed content of {_target} expands to more than {Describe(Limits.MaxBytes)}, the most one expansion writes " +
            "(-MaxExpandedBytes): a compression bomb, or an artifact far larger than any real one. " +
            "If you trust it and have the disk space, pass a larger -MaxExpandedBytes.");
    }

    internal static string Describe(long bytes)
    {
        const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;
        if (bytes >= GiB && bytes % GiB == 0) return (bytes / GiB).ToString(CultureInfo.InvariantCulture) + " GiB";
        if (bytes >= MiB && bytes % MiB == 0) return (bytes / MiB).ToString(CultureInfo.InvariantCulture) + " MiB";
        if (bytes >= KiB && bytes % KiB == 0) return (bytes / KiB).ToString(CultureInfo.InvariantCulture) + " KiB";
        return bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
    }
}
