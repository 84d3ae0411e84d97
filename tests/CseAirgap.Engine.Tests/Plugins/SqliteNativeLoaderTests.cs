using System.Runtime.InteropServices;
using CseAirgap.Engine.Plugins;
using Xunit;

namespace CseAirgap.Engine.Tests.Plugins;

/// <summary>
/// Windows PowerShell 5.1 finds SQLite's engine only when the module loads it by full path first; which file it
/// loads is decided here, with the loading function given, so each Windows architecture is checked on Linux.
/// </summary>
public sealed class SqliteNativeLoaderTests : IDisposable
{
    private readonly string _dependencies = Path.Combine(Path.GetTempPath(), "cse-native-" + Guid.NewGuid().ToString("N"), "Dependencies");

    [Theory]
    [InlineData(Architecture.X64, "win-x64")]
    [InlineData(Architecture.X86, "win-x86")]
    [InlineData(Architecture.Arm64, "win-arm64")]
    public void Loads_the_engine_of_the_processes_architecture_from_Dependencies_runtimes_by_full_path(Architecture architecture, string folder)
    {
        var expected = Path.Combine(_dependencies, "runtimes", folder, "native", "e_sqlite3.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(expected)!);
        File.WriteAllText(expected, "not really a dll");
        var asked = new List<string>();

        new SqliteNativeLoader(_dependencies, architecture, path => { asked.Add(path); return new IntPtr(1); }).Load();

        Assert.Equal(new[] { expected }, asked);
        Assert.True(Path.IsPathRooted(asked[0]));
    }

    [Fact]
    public void A_missing_engine_is_SqliteNativeMissing_naming_the_file_and_nothing_is_loaded()
    {
        var asked = new List<string>();
        var loader = new SqliteNativeLoader(_dependencies, Architecture.X64, path => { asked.Add(path); return new IntPtr(1); });

        var e = Assert.Throws<SqliteNativeMissingException>(loader.Load);

        Assert.Equal("SqliteNativeMissing", e.ErrorId);
        Assert.Contains("win-x64", e.Target);
        Assert.Empty(asked);
    }

    [Fact]
    public void An_engine_Windows_refuses_to_load_is_SqliteNativeMissing()
    {
        var path = Path.Combine(_dependencies, "runtimes", "win-arm64", "native", "e_sqlite3.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x");

        var e = Assert.Throws<SqliteNativeMissingException>(new SqliteNativeLoader(_dependencies, Architecture.Arm64, _ => IntPtr.Zero).Load);
        Assert.Equal(path, e.Target);
    }

    [Fact]
    public void Is_needed_only_on_the_NET_Framework()
    {
        // This suite runs on .NET (Core), where PowerShell 7's load context finds the engine: no preload there.
        Assert.False(SqliteNativeLoader.NeededHere);
    }

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_dependencies)!;
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }
}
