using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Plugins;

/// <summary>
/// Puts SQLite's native engine (e_sqlite3.dll) in the process before SQLitePCLRaw binds to it, on Windows PowerShell.
/// The netstandard2.0 SQLitePCLRaw binds with a plain DllImport("e_sqlite3"); .NET Framework looks for that beside the
/// assembly and on the Win32 path, never in Dependencies\runtimes\win-x64\native where the module ships it, and has no
/// load context to redirect it (PowerShell 7 does: PrivateLoadContext.LoadUnmanagedDll). A module Windows has already
/// loaded is found by its name, so loading the right file by full path first makes that DllImport bind to it.
/// The loading function and the process's architecture are given, so the choice of file is tested on Linux.
/// </summary>
public sealed class SqliteNativeLoader
{
    public const string LibraryFile = "e_sqlite3.dll";

    private readonly string _dependencyFolder;
    private readonly Architecture _architecture;
    private readonly Func<string, IntPtr> _loadLibrary;

    public SqliteNativeLoader(string dependencyFolder, Architecture architecture, Func<string, IntPtr> loadLibrary)
    {
        _dependencyFolder = dependencyFolder;
        _architecture = architecture;
        _loadLibrary = loadLibrary;
    }

    /// <summary>NuGet's runtime folder of Windows natives for a process architecture (what SQLitePCLRaw's package ships).</summary>
    public static string WindowsRuntimeFolder(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "win-x64",
        Architecture.X86 => "win-x86",
        Architecture.Arm64 => "win-arm64",
        Architecture.Arm => "win-arm",
        _ => throw new PlatformNotSupportedException($"No SQLite engine is shipped for a {architecture} Windows process."),
    };

    public string LibraryPath => Path.Combine(_dependencyFolder, "runtimes", WindowsRuntimeFolder(_architecture), "native", LibraryFile);

    /// <summary>Loads the engine; a missing or unloadable file is <see cref="SqliteNativeMissingException"/>, naming the file.</summary>
    public void Load()
    {
        var path = LibraryPath;
        if (!File.Exists(path)) throw new SqliteNativeMissingException(path, "it is not there");
        var handle = _loadLibrary(path);
        if (handle == IntPtr.Zero)
            throw new SqliteNativeMissingException(path, new Win32Exception(Marshal.GetLastWin32Error()).Message);
    }

    /// <summary>Whether this process needs the preload: only .NET Framework (Windows PowerShell 5.1) lacks a load context.</summary>
    public static bool NeededHere => RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>Once per process, before the first SQLite connection; nothing on PowerShell 7.</summary>
    public static void EnsureLoadedForThisProcess()
    {
        if (!NeededHere) return;
        lock (Gate)
        {
            if (_loaded) return;
            var folder = Path.GetDirectoryName(typeof(SqliteNativeLoader).Assembly.Location)!;
            new SqliteNativeLoader(folder, RuntimeInformation.ProcessArchitecture, Kernel32.LoadLibraryW).Load();
            _loaded = true;
        }
    }

    private static class Kernel32
    {
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        public static extern IntPtr LoadLibraryW(string path);
    }
}

/// <summary>The module's copy of SQLite's native engine is missing or Windows refused to load it.</summary>
public sealed class SqliteNativeMissingException : CseAirgapException
{
    public SqliteNativeMissingException(string path, string why)
        : base("SqliteNativeMissing", FailureCategory.ResourceUnavailable, path,
            $"SQLite's engine '{path}' could not be loaded ({why}). Reinstall the module (after Unblock-File on a downloaded zip), and check that antivirus software has not removed the file.")
    {
    }
}
