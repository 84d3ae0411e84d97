using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CseAirgap.PowerShell;

/// <summary>
/// Loads the engine and its third-party assemblies (YamlDotNet, SharpCompress, Docker.DotNet, ...) from the module's
/// Dependencies folder, privately: on PowerShell 7 into an AssemblyLoadContext of their own, so another module's
/// YamlDotNet (several popular modules ship one) neither breaks us nor is broken by us. Windows PowerShell has no load
/// contexts: there the folder is simply where they are found.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    internal static string ModuleFolder => Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;

    internal static string DependencyFolder => Path.Combine(ModuleFolder, "Dependencies");

    private static FrameworkDependencyResolver? _frameworkResolver;

    internal static bool IsWindowsPowerShell =>
        RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

    public void OnImport()
    {
        if (IsWindowsPowerShell)
        {
            _frameworkResolver ??= new FrameworkDependencyResolver(ModuleFolder);
            AppDomain.CurrentDomain.AssemblyResolve += _frameworkResolver.Resolve;
        }
        else RegisterLoadContext();
    }

    public void OnRemove(PSModuleInfo module)
    {
        if (IsWindowsPowerShell)
        {
            if (_frameworkResolver != null) AppDomain.CurrentDomain.AssemblyResolve -= _frameworkResolver.Resolve;
        }
        else UnregisterLoadContext();
    }

    // Kept out of line: compiling OnImport must not make .NET Framework load AssemblyLoadContext, which it lacks.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterLoadContext() => PrivateLoadContext.Register(DependencyFolder);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnregisterLoadContext() => PrivateLoadContext.Unregister();
}
