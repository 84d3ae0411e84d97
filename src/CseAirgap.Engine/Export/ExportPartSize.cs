using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Export;

/// <summary>
/// The part size of a .tar export, chosen for the file system it is written to: on FAT32 (the usual USB stick) a file
/// cannot reach 4 GiB, and a single .tar of a CSE release is larger, so without -MaxPartSize it used to fail late
/// with "not enough space". There, parts of <see cref="FatDefault"/> are chosen when none is asked for, and a larger
/// -MaxPartSize is refused before anything is fetched.
/// </summary>
public static class ExportPartSize
{
    /// <summary>4095 MiB: under FAT's 4 GiB - 1 byte, a round number a user can recognise in the parts' sizes.</summary>
    public const long FatDefault = 4095L * 1024 * 1024;

    /// <param name="requested">-MaxPartSize; 0 for one file.</param>
    public static long Choose(string path, long requested, VolumeFileSystem volumes, Action<string>? log)
    {
        var format = volumes.FormatOf(path);
        var largest = VolumeFileSystem.LargestFileOn(format);
        if (largest == null) return requested;
        if (requested == 0)
        {
            log?.Invoke($"'{path}' is on {format}, which holds no file of 4 GiB or more: the export is written in parts of {FatDefault / 1048576} MiB (-MaxPartSize {FatDefault}).");
            return FatDefault;
        }
        if (requested > largest.Value) throw FileTooLargeForFileSystemException.PartSize(path, format!, requested, largest.Value);
        return requested;
    }
}

/// <summary>A file an export would write is larger than the destination's file system holds: refused before it is written.</summary>
public sealed class FileTooLargeForFileSystemException : CseAirgapException
{
    private FileTooLargeForFileSystemException(string errorId, FailureCategory category, string target, string message)
        : base(errorId, category, target, message)
    {
    }

    public static FileTooLargeForFileSystemException PartSize(string path, string format, long requested, long largest) =>
        new("MaxPartSizeTooLargeForFileSystem", FailureCategory.InvalidArgument, path,
            $"-MaxPartSize {requested} is larger than the largest file {format} holds ({largest} bytes), and '{path}' is on {format}. " +
            $"Give -MaxPartSize {ExportPartSize.FatDefault} or less, or leave it out to have that chosen.");

    public static FileTooLargeForFileSystemException Blob(string path, string format, long size, long largest) =>
        new("BlobTooLargeForFileSystem", FailureCategory.LimitsExceeded, path,
            $"A blob of {size} bytes cannot be written to '{path}': it is on {format}, which holds no file over {largest} bytes. " +
            "Export to a .tar -Path instead (its parts are sized for the file system), or to an NTFS or exFAT drive.");
}
