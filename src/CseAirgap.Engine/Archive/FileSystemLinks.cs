using System;
using System.IO;
using System.Reflection;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Symbolic links and Unix permission bits. The engine targets netstandard2.0 (so Windows PowerShell 5.1 loads it),
/// which lacks these APIs; on PowerShell 7 the runtime has them (File.CreateSymbolicLink, File.SetUnixFileMode) and
/// they are found once by reflection. Where they are missing (Windows PowerShell), links and modes are skipped and
/// the caller is told.
/// </summary>
internal static class FileSystemLinks
{
    private static readonly MethodInfo? CreateSymbolicLinkMethod =
        typeof(File).GetMethod("CreateSymbolicLink", new[] { typeof(string), typeof(string) });
    private static readonly Type? UnixFileModeType = Type.GetType("System.IO.UnixFileMode");
    private static readonly MethodInfo? SetUnixFileModeMethod = UnixFileModeType == null
        ? null
        : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), UnixFileModeType });

    public static bool IsUnix => Path.DirectorySeparatorChar == '/';
    public static bool CanCreateSymbolicLinks => CreateSymbolicLinkMethod != null && IsUnix;
    public static bool CanSetModes => SetUnixFileModeMethod != null && IsUnix;

    public static void CreateSymbolicLink(string path, string target)
    {
        try
        {
            CreateSymbolicLinkMethod!.Invoke(null, new object[] { path, target });
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            throw e.InnerException;
        }
    }

    public static void SetMode(string path, int mode)
    {
        if (!CanSetModes) return;
        try
        {
            SetUnixFileModeMethod!.Invoke(null, new[] { path, Enum.ToObject(UnixFileModeType!, mode & 0xFFF) });
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            throw e.InnerException;
        }
    }
}
