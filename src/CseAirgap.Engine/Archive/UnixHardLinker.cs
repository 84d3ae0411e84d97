using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// link(2) through P/Invoke: netstandard2.0 (for Windows PowerShell) has no File.CreateHardLink. link does not follow
/// a symbolic link given as the existing path on Linux, and the gate has already checked that it is a regular file.
/// </summary>
public sealed class UnixHardLinker : IHardLinker
{
    // errno values for which a copy is the answer; the same numbers on Linux and macOS except EOPNOTSUPP.
    private const int EPERM = 1; // the file system does not do hard links (FAT, some FUSE mounts)
    private const int EXDEV = 18;
    private const int EMLINK = 31; // the file already has the most links its file system allows (65,000 on ext4)
    private const int ENOTSUP_MACOS = 45;
    private const int EOPNOTSUPP_LINUX = 95;
    private const int EOPNOTSUPP_MACOS = 102;

    public bool TryLink(string existing, string link)
    {
        int result;
        try
        {
            result = NativeLink(NulTerminatedUtf8(existing), NulTerminatedUtf8(link));
        }
        catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
        {
            // A libc the runtime cannot find by this name: copy, as on a file system without links.
            return false;
        }
        if (result == 0) return true;
        var errno = Marshal.GetLastWin32Error();
        if (errno == EPERM || errno == EXDEV || errno == EMLINK || errno == ENOTSUP_MACOS || errno == EOPNOTSUPP_LINUX || errno == EOPNOTSUPP_MACOS)
            return false;
        throw new IOException($"Could not create the hard link '{link}' to '{existing}': {new Win32Exception(errno).Message} (errno {errno}).");
    }

    // Paths passed as UTF-8 bytes: netstandard2.0 has no UnmanagedType.LPUTF8Str, and Unix file names are bytes.
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int NativeLink(byte[] existing, byte[] link);

    private static byte[] NulTerminatedUtf8(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, 0, path.Length, bytes, 0);
        return bytes;
    }
}
