using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;

namespace CseAirgap.Engine.Archive;

/// <summary>CreateHardLinkW through P/Invoke: netstandard2.0 (for Windows PowerShell) has no File.CreateHardLink.</summary>
public sealed class WindowsHardLinker : IHardLinker
{
    // Errors for which a copy is the answer: FAT and exFAT answer ERROR_INVALID_FUNCTION; NTFS allows 1,023 links.
    private const int ErrorInvalidFunction = 1;
    private const int ErrorNotSameDevice = 17;
    private const int ErrorNotSupported = 50;
    private const int ErrorTooManyLinks = 1142;

    public bool TryLink(string existing, string link)
    {
        if (CreateHardLinkW(link, existing, IntPtr.Zero)) return true;
        var error = Marshal.GetLastWin32Error();
        if (error == ErrorInvalidFunction || error == ErrorNotSameDevice || error == ErrorNotSupported || error == ErrorTooManyLinks) return false;
        throw new IOException($"Could not create the hard link '{link}' to '{existing}': {new Win32Exception(error).Message} (error {error}).");
    }

    [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool CreateHardLinkW(string fileName, string existingFileName, IntPtr securityAttributes);
}
