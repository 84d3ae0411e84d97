using System;
using System.IO;

namespace CseAirgap.Engine.Export;

/// <summary>
/// The file system a path is on, as the OS names it (Windows: NTFS, ReFS, FAT32, exFAT; Linux: ext4, xfs, vfat, exfat).
/// An object, so an export's part-size rule runs in the tests against a fake that says FAT32.
/// </summary>
public abstract class VolumeFileSystem
{
    public static VolumeFileSystem OfThisMachine { get; } = new DriveInfoVolumeFileSystem();

    /// <summary>The name of the file system holding <paramref name="path"/> (or the nearest folder above it that exists), or null when the OS does not say.</summary>
    public abstract string? FormatOf(string path);

    /// <summary>
    /// The largest file the file system holds, where that is smaller than an export needs: FAT12/16/32 stop at 4 GiB - 1
    /// byte. exFAT has no such limit (its files may be far larger), so it is not capped.
    /// </summary>
    public static long? LargestFileOn(string? format)
    {
        if (format == null) return null;
        switch (format.ToUpperInvariant())
        {
            case "FAT":
            case "FAT12":
            case "FAT16":
            case "FAT32":
            case "VFAT":
            case "MSDOS":
                return 4L * 1024 * 1024 * 1024 - 1;
            default:
                return null;
        }
    }
}

/// <summary>DriveInfo: the drive (Windows) or mount point (Linux, macOS) whose root is the longest prefix of the path.</summary>
internal sealed class DriveInfoVolumeFileSystem : VolumeFileSystem
{
    public override string? FormatOf(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var comparison = Path.DirectorySeparatorChar == '/' ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            DriveInfo? best = null;
            foreach (var drive in DriveInfo.GetDrives())
            {
                var mount = drive.RootDirectory.FullName;
                var under = full.StartsWith(mount, comparison) &&
                    (full.Length == mount.Length || mount.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) || full[mount.Length] == Path.DirectorySeparatorChar);
                if (!under) continue;
                if (best == null || mount.Length > best.RootDirectory.FullName.Length) best = drive;
            }
            return best?.DriveFormat;
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
        {
            return null;
        }
    }
}
