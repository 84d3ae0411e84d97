using System;
using System.IO;
using System.Reflection;

namespace CseAirgap.PowerShell;

/// <summary>
/// Windows PowerShell 5.1's way to find our Dependencies folder (it has no load contexts): an AppDomain.AssemblyResolve
/// handler. That event fires for every failed load in the session, so answering each one with our copy would hand
/// another module our Newtonsoft.Json or System.Text.Json. It answers only requests made by our own assemblies (the
/// module's dll or one in its Dependencies folder), and the engine itself, which the cmdlets ask for by name.
/// Plain .NET: a test calls it directly on PowerShell 7, where the event is never hooked.
/// </summary>
internal sealed class FrameworkDependencyResolver
{
    private const string EngineAssembly = "CseAirgap.Engine";
    private readonly string _moduleFolder;
    private readonly string _dependencyFolder;

    public FrameworkDependencyResolver(string moduleFolder)
    {
        _moduleFolder = Path.GetFullPath(moduleFolder);
        _dependencyFolder = Path.Combine(_moduleFolder, "Dependencies");
    }

    public Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name == null || !IsOurs(args.RequestingAssembly, name)) return null;
        var path = Path.Combine(_dependencyFolder, name + ".dll");
        return File.Exists(path) ? Assembly.LoadFrom(path) : null;
    }

    /// <summary>
    /// Whether the request comes from us. The requester is null when a load by name has no referencing assembly (the
    /// cmdlets' first use of the engine can arrive that way); then only the engine's own name is ours.
    /// </summary>
    private bool IsOurs(Assembly? requester, string requestedName)
    {
        if (requester == null) return string.Equals(requestedName, EngineAssembly, StringComparison.OrdinalIgnoreCase);
        if (requester.IsDynamic) return false;
        string location;
        try { location = requester.Location; }
        catch (NotSupportedException) { return false; }
        if (string.IsNullOrEmpty(location)) return false;
        var folder = Path.GetDirectoryName(Path.GetFullPath(location));
        return PathEquals(folder, _moduleFolder) || PathEquals(folder, _dependencyFolder);
    }

    // Windows paths compare without case; this rule only runs there (and in a test with paths it made itself).
    private static bool PathEquals(string? a, string b) =>
        a != null && string.Equals(a.TrimEnd(Path.DirectorySeparatorChar), b.TrimEnd(Path.DirectorySeparatorChar), StringComparison.OrdinalIgnoreCase);
}
