using System;
using System.IO;
using System.Runtime.InteropServices;
using CseAirgap.Engine.Archive;

namespace CseAirgap.Engine.Export;

/// <summary>
/// Whether a path of an export is a link that could lead out of it. On Windows a reparse point is not necessarily one:
/// a file optimised by Data Deduplication (IO_REPARSE_TAG_DEDUP) or a OneDrive placeholder (IO_REPARSE_TAG_CLOUD_*)
/// is a reparse point holding its own data, and counting it a link made an export "unsafe" and its blobs fetched again.
/// Only the tags Windows marks as name surrogates (the bit IsReparseTagNameSurrogate tests: symbolic links
/// 0xA000000C, junctions and mount points 0xA0000003, WSL links 0xA000001D) stand for another path. An object, so the
/// Windows rule runs in the tests on Linux with a fake reading of the tag.
/// </summary>
public abstract class LinkInspector
{
    public static LinkInspector Unix { get; } = new UnixLinkInspector();
    public static LinkInspector Windows { get; } = new WindowsLinkInspector(Win32ReparseTag.Read);
    public static LinkInspector ForThisPlatform => FileSystemLinks.IsUnix ? Unix : Windows;

    /// <summary>True when the entry at <paramref name="path"/> itself is a link (a missing path is not).</summary>
    public abstract bool IsLink(string path);
}

/// <summary>On Unix .NET reports a symbolic link, and only that, as a reparse point.</summary>
internal sealed class UnixLinkInspector : LinkInspector
{
    public override bool IsLink(string path)
    {
        try
        {
            return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
        }
        catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
        {
            return false;
        }
    }
}

/// <summary>What Windows says of a path: its attributes and, for a reparse point, its tag.</summary>
public readonly struct ReparseFacts
{
    public ReparseFacts(FileAttributes attributes, uint reparseTag)
    {
        Attributes = attributes;
        ReparseTag = reparseTag;
    }

    public FileAttributes Attributes { get; }
    public uint ReparseTag { get; }
}

public sealed class WindowsLinkInspector : LinkInspector
{
    public const uint SymbolicLinkTag = 0xA000000C;
    public const uint MountPointTag = 0xA0000003;
    public const uint DeduplicationTag = 0x80000013;
    public const uint CloudFileTag = 0x9000001A;
    private const uint NameSurrogateBit = 0x20000000;
    private readonly Func<string, ReparseFacts?> _read;

    /// <param name="read">The attributes and tag of a path, null when it is missing.</param>
    public WindowsLinkInspector(Func<string, ReparseFacts?> read) => _read = read;

    public override bool IsLink(string path)
    {
        var facts = _read(path);
        if (facts == null || (facts.Value.Attributes & FileAttributes.ReparsePoint) == 0) return false;
        return IsLinkTag(facts.Value.ReparseTag);
    }

    public static bool IsLinkTag(uint tag) => (tag & NameSurrogateBit) != 0;
}

/// <summary>The reparse tag, from FindFirstFileW (WIN32_FIND_DATA.dwReserved0), which both .NET Framework and .NET Core can call.</summary>
internal static class Win32ReparseTag
{
    private const uint NameSurrogateSymbolicLink = WindowsLinkInspector.SymbolicLinkTag;

    public static ReparseFacts? Read(string path)
    {
        var handle = FindFirstFileW(PathRules.Windows.ForOs(Path.GetFullPath(path)), out var data);
        if (handle == new IntPtr(-1))
        {
            var error = Marshal.GetLastWin32Error();
            // 2 file not found, 3 path not found: missing. Anything else: unknown, so counted as a link (refused, never followed).
            if (error == 2 || error == 3) return null;
            return new ReparseFacts(FileAttributes.ReparsePoint, NameSurrogateSymbolicLink);
        }
        FindClose(handle);
        var attributes = (FileAttributes)data.FileAttributes;
        return new ReparseFacts(attributes, (attributes & FileAttributes.ReparsePoint) != 0 ? data.Reserved0 : 0);
    }

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern IntPtr FindFirstFileW(string fileName, out FindData data);

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern bool FindClose(IntPtr handle);

    [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
    private struct FindData
    {
        public uint FileAttributes;
        public System.Runtime.InteropServices.ComTypes.FILETIME CreationTime;
        public System.Runtime.InteropServices.ComTypes.FILETIME LastAccessTime;
        public System.Runtime.InteropServices.ComTypes.FILETIME LastWriteTime;
        public uint FileSizeHigh;
        public uint FileSizeLow;
        public uint Reserved0;
        public uint Reserved1;
        [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)]
        public string FileName;
        [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 14)]
        public string AlternateFileName;
    }
}
