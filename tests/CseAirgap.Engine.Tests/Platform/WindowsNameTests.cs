using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using Xunit;
using static CseAirgap.Engine.Tests.Platform.PythonLayers;

namespace CseAirgap.Engine.Tests.Platform;

/// <summary>
/// Issue 22 items 4, 5 and 13: what a Windows host does with names of Linux layers, run here through Windows'
/// <see cref="PathRules"/> on layers written by python's tarfile.
/// </summary>
public sealed class WindowsNameTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-winnames-" + Guid.NewGuid().ToString("N"));

    public WindowsNameTests() => Directory.CreateDirectory(_scratch);

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    [UnixOnlyTheory]
    [InlineData("libc6:amd64.list")]
    [InlineData("a<b")]
    [InlineData("a>b")]
    [InlineData("a\"b")]
    [InlineData("a|b")]
    [InlineData("a?b")]
    [InlineData("a*b")]
    [InlineData("bell\u0007")]
    [InlineData("nul")]
    [InlineData("CON")]
    [InlineData("aux.h")]
    [InlineData("com1.txt")]
    [InlineData("LPT\u00B9")]
    [InlineData("nul .txt")]
    [InlineData("foo.")]
    [InlineData("foo ")]
    public void WindowsCannotHoldTheNameAndUnixCan(string name)
    {
        Assert.NotNull(PathRules.Windows.WhyNotHoldable(name));
        Assert.Null(PathRules.Unix.WhyNotHoldable(name));
    }

    [UnixOnlyTheory]
    [InlineData("xt_connmark.h")]
    [InlineData("auxiliary.h")]
    [InlineData("com10")]
    [InlineData("nullable")]
    [InlineData(".hidden")]
    [InlineData("a.b.c")]
    public void WindowsHoldsOrdinaryNamesThatLookLikeDevices(string name) => Assert.Null(PathRules.Windows.WhyNotHoldable(name));

    [UnixOnlyFact]
    public void ADebianLayerExpandsUnderWindowsRulesWithItsColonNamesSkippedAndListed()
    {
        var layer = Write("tar", Path.Combine(_scratch, "layer.tar"),
            File("var/lib/dpkg/info/libc6:amd64.list", "/lib"),
            File("var/lib/dpkg/info/base-files.list", "/etc"),
            File("usr/share/aux.h"), File("usr/share/nul"), File("usr/share/foo."), File("usr/share/foo "), File("usr/share/q?"));
        var root = Path.Combine(_scratch, "root");
        var log = new List<string>();
        var applier = new LayerApplier(root, log.Add, rules: PathRules.Windows);

        using (var tar = System.IO.File.OpenRead(layer)) applier.Apply(tar);
        // A later layer's whiteout of a name that was never written deletes nothing and fails nothing.
        var upper = Write("tar", Path.Combine(_scratch, "upper.tar"), File("var/lib/dpkg/info/.wh.libc6:amd64.list", ""), File("usr/.wh..wh..opq", ""));
        using (var tar = System.IO.File.OpenRead(upper)) applier.Apply(tar);
        applier.Finish();

        Assert.Equal("/etc", System.IO.File.ReadAllText(Path.Combine(root, "var/lib/dpkg/info/base-files.list")));
        Assert.Equal(new[] { "base-files.list" }, Directory.GetFileSystemEntries(Path.Combine(root, "var/lib/dpkg/info")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Path.Combine(root, "usr")));
        Assert.Equal(6, applier.SkippedNameCount);
        Assert.Equal(new[] { "var/lib/dpkg/info/libc6:amd64.list", "usr/share/aux.h", "usr/share/nul", "usr/share/foo.", "usr/share/foo ", "usr/share/q?" }, applier.SkippedNames);
        Assert.Contains(log, l => l.Contains("libc6:amd64.list", StringComparison.Ordinal) && l.Contains("':'", StringComparison.Ordinal));
    }

    [UnixOnlyFact]
    public void UnderWindowsRulesTheFirstSpellingWinsAndALaterDifferentCaseEntryIsSkippedNotWrittenOverIt()
    {
        var layer = Write("tar", Path.Combine(_scratch, "layer.tar"),
            File("include/xt_CONNMARK.h", "upper"),
            File("include/xt_connmark.h", "lower"),
            File("E/inside.txt", "kept"),
            File("e", "a file"),
            File("include/xt_CONNMARK.h", "upper, replaced by its own name"),
            HardLink("include/link.h", "include/xt_connmark.h"),
            HardLink("include/XT_CONNMARK_LINK.H", "INCLUDE/XT_CONNMARK.H"));
        var root = Path.Combine(_scratch, "root");
        var applier = new LayerApplier(root, null, rules: PathRules.Windows);

        using (var tar = System.IO.File.OpenRead(layer)) applier.Apply(tar);
        applier.Finish();

        Assert.Equal(new[] { "XT_CONNMARK_LINK.H", "xt_CONNMARK.h" }, Directory.GetFileSystemEntries(Path.Combine(root, "include")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // A hard link names its target as Windows would find it: ignoring case.
        Assert.Equal("upper, replaced by its own name", System.IO.File.ReadAllText(Path.Combine(root, "include/XT_CONNMARK_LINK.H")));
        Assert.Equal("upper, replaced by its own name", System.IO.File.ReadAllText(Path.Combine(root, "include/xt_CONNMARK.h")));
        Assert.Equal("kept", System.IO.File.ReadAllText(Path.Combine(root, "E/inside.txt")));
        Assert.Equal(new[] { "E", "include" }, Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "include/xt_connmark.h", "e", "include/link.h" }, applier.SkippedNames);
    }

    [UnixOnlyFact]
    public void UnderUnixRulesBothSpellingsAreKept()
    {
        var layer = Write("tar", Path.Combine(_scratch, "layer.tar"), File("xt_CONNMARK.h", "upper"), File("xt_connmark.h", "lower"), File("libc6:amd64.list"));
        var root = Path.Combine(_scratch, "root");
        var applier = new LayerApplier(root, null, rules: PathRules.Unix);
        using (var tar = System.IO.File.OpenRead(layer)) applier.Apply(tar);
        Assert.Equal(3, Directory.GetFileSystemEntries(root).Length);
        Assert.Equal(0, applier.SkippedNameCount);
    }

    [UnixOnlyFact]
    public void AWhiteoutMatchesItsPathIgnoringCaseUnderWindowsRules()
    {
        var lower = Write("tar", Path.Combine(_scratch, "lower.tar"), File("Etc/Config/old.conf"), File("Etc/keep"), File("Opt/Lower.txt"));
        var upper = Write("tar", Path.Combine(_scratch, "upper.tar"), File("etc/config/.wh.OLD.CONF", ""), File("opt/new.txt"), File("opt/.wh..wh..opq", ""));
        var root = Path.Combine(_scratch, "root");
        var applier = new LayerApplier(root, null, rules: PathRules.Windows);

        using (var tar = System.IO.File.OpenRead(lower)) applier.Apply(tar);
        using (var tar = System.IO.File.OpenRead(upper)) applier.Apply(tar);
        applier.Finish();

        Assert.False(System.IO.File.Exists(Path.Combine(root, "Etc/Config/old.conf")));
        Assert.True(System.IO.File.Exists(Path.Combine(root, "Etc/keep")));
        // opt/new.txt differs from Opt only in case: skipped by the first-spelling rule; the opaque marker still hides Opt's lower files.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "Opt")));
    }

    [UnixOnlyFact]
    public void AnArchiveExpandsUnderWindowsRulesAndTheExpansionReportsWhatItSkipped()
    {
        var archive = Write("tar", Path.Combine(_scratch, "fs.tar"), File("src/artifact/dependencies.txt", "deps"), File("var/lib/dpkg/info/libc6:amd64.list"));
        var destination = Path.Combine(_scratch, "out");

        var expanded = new ImageArchiveExpander(null, platform: new ExpansionPlatform(PathRules.Windows)).Expand(archive, "linux/amd64", destination);

        Assert.Equal("deps", System.IO.File.ReadAllText(Path.Combine(destination, "src/artifact/dependencies.txt")));
        Assert.Equal(1, expanded.SkippedNameCount);
        Assert.Equal(new[] { "var/lib/dpkg/info/libc6:amd64.list" }, expanded.SkippedNames);
    }

    [UnixOnlyTheory]
    [InlineData(@"C:\short\path", @"C:\short\path")]
    [InlineData(@"\\?\C:\already", @"\\?\C:\already")]
    public void ShortWindowsPathsAreGivenAsTheyAre(string path, string expected) => Assert.Equal(expected, PathRules.Windows.ForOs(path));

    [UnixOnlyFact]
    public void WindowsPathsPastMaxPathTakeTheLongForm()
    {
        var tail = string.Join(@"\", Enumerable.Repeat("folder-of-forty-characters-in-its-name-x", 7));
        Assert.Equal(@"\\?\C:\Users\admin\" + tail, PathRules.Windows.ForOs(@"C:\Users\admin\" + tail));
        Assert.Equal(@"\\?\UNC\server\share\" + tail, PathRules.Windows.ForOs(@"\\server\share\" + tail));
        Assert.Equal("/home/" + tail, PathRules.Windows.ForOs("/home/" + tail));
        Assert.Equal(@"C:\" + tail, PathRules.Unix.ForOs(@"C:\" + tail));
    }

    [UnixOnlyFact]
    public void TheGateRefusesAWindowsUnholdableNameItselfRatherThanHandItToTheFramework()
    {
        var root = Path.Combine(_scratch, "gate");
        Directory.CreateDirectory(root);
        var gate = new ConfinedRoot(root, rules: PathRules.Windows);
        var refused = Assert.Throws<UnsafeEntryException>(() => gate.CreateFile(new[] { "dpkg", "libc6:amd64.list" }, "dpkg/libc6:amd64.list"));
        Assert.Equal("dpkg/libc6:amd64.list", refused.Entry);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }
}
