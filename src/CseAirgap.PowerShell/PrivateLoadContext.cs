using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace CseAirgap.PowerShell;

/// <summary>
/// PowerShell 7 only (never touched on Windows PowerShell, which has no AssemblyLoadContext): the engine is handed to
/// this context when the default one cannot find it, and everything the engine needs then resolves here first.
/// Assemblies the runtime itself ships (System.*, netstandard) always come from the default context, so framework
/// types stay the same types on both sides.
/// </summary>
internal sealed class PrivateLoadContext : AssemblyLoadContext
{
    private const string EngineAssembly = "CseAirgap.Engine";
    private static PrivateLoadContext? _instance;
    private readonly string _folder;
    private readonly HashSet<string> _platform;

    private PrivateLoadContext(string folder)
    {
        _folder = folder;
        _platform = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var trusted = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        foreach (var path in trusted.Split(Path.PathSeparator))
            if (path.Length > 0) _platform.Add(Path.GetFileNameWithoutExtension(path));
    }

    public static void Register(string folder)
    {
        _instance ??= new PrivateLoadContext(folder);
        Default.Resolving += ResolveEngine;
    }

    public static void Unregister() => Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssembly && _instance != null ? _instance.LoadFromAssemblyName(name) : null;

    /// <summary>
    /// Native libraries our assemblies import (SQLite's e_sqlite3) come from Dependencies/runtimes/&lt;rid&gt;/native,
    /// the layout NuGet packages use, for the platform this PowerShell runs on.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = NativeLibraryPath(_folder, unmanagedDllName);
        return path != null ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }

    internal static string? NativeLibraryPath(string folder, string name)
    {
        var os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var file = os == "win" ? name + ".dll" : os == "osx" ? "lib" + name + ".dylib" : "lib" + name + ".so";
        var path = Path.Combine(folder, "runtimes", $"{os}-{arch}", "native", file);
        return File.Exists(path) ? path : null;
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name == null || _platform.Contains(name.Name)) return null;
        var path = Path.Combine(_folder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
