using Xunit;

namespace CseAirgap.Engine.Tests;

/// <summary>
/// A test that needs a Unix host: fixtures written by python3 or the sqlite3/mkfifo/cat commands, Unix file modes,
/// symbolic links the module makes only on Unix, /dev/zero. Skipped on Windows (the Windows CI definition runs the
/// suite there); the Windows behaviour these files cover runs here through the injected Windows rules instead.
/// </summary>
public sealed class UnixOnlyFactAttribute : FactAttribute
{
    public UnixOnlyFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = UnixOnly.Reason;
    }
}

/// <inheritdoc cref="UnixOnlyFactAttribute"/>
public sealed class UnixOnlyTheoryAttribute : TheoryAttribute
{
    public UnixOnlyTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = UnixOnly.Reason;
    }
}

internal static class UnixOnly
{
    public const string Reason = "Needs a Unix host (python3 fixtures, Unix modes or links, mkfifo, /dev): run on Linux by build.ps1 Test.";
}
