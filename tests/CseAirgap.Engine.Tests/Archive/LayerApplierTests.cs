using CseAirgap.Engine.Archive;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>Whiteouts, opaque folders and modes, on layers written by System.Formats.Tar.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerApplierTests : IDisposable
{
    private const int ReadOnlyFolder = 0b101_101_101;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cseairgap-layer-" + Guid.NewGuid().ToString("N"), "root");

    public void Dispose()
    {
        var scratch = Path.GetDirectoryName(_root)!;
        ConfinedRoot.RemoveTree(scratch);
    }

    [UnixOnlyFact]
    public void AWhiteoutDeletesTheLowerLayersPathAndAnOpaqueMarkerHidesOnlyLowerContents()
    {
        var applier = new LayerApplier(_root, null);
        using (var lower = HostileTar.Build(w => { w.File("keep.txt"); w.File("gone.txt"); w.File("opaque/lower.txt"); }))
            applier.Apply(lower);
        using (var upper = HostileTar.Build(w => { w.File(".wh.gone.txt", ""); w.File("opaque/upper.txt"); w.File("opaque/.wh..wh..opq", ""); w.File(".wh..wh.plnk", ""); }))
            applier.Apply(upper);
        applier.Finish();
        Assert.True(File.Exists(Path.Combine(_root, "keep.txt")));
        Assert.False(File.Exists(Path.Combine(_root, "gone.txt")));
        Assert.Equal(new[] { "upper.txt" }, Directory.EnumerateFileSystemEntries(Path.Combine(_root, "opaque")).Select(Path.GetFileName).ToArray());
        Assert.Equal(new[] { "keep.txt", "opaque" }, Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName).Order().ToArray());
    }

    [UnixOnlyTheory]
    [InlineData(".wh.")]
    [InlineData(".wh..")]
    [InlineData(".wh...")]
    [InlineData("dir/.wh...")]
    [InlineData("dir/.wh.a\\..\\..")]
    public void AWhiteoutThatNamesNoPlainFileIsRefusedAndDeletesNothing(string whiteout)
    {
        var applier = new LayerApplier(_root, null);
        using (var lower = HostileTar.Build(w => w.File("dir/kept.txt")))
            applier.Apply(lower);
        using var hostile = HostileTar.Build(w => w.File(whiteout, ""));
        var refusal = Assert.Throws<UnsafeEntryException>(() => applier.Apply(hostile));
        Assert.Equal(whiteout, refusal.Entry);
        Assert.True(File.Exists(Path.Combine(_root, "dir", "kept.txt")));
    }

    [UnixOnlyFact]
    public void AFolderModeIsAppliedAfterItsContentAndSpecialBitsAreDroppedAndSaidOnce()
    {
        var log = new List<string>();
        var applier = new LayerApplier(_root, log.Add);
        using (var layer = HostileTar.Build(w =>
               {
                   w.Directory("ro", ReadOnlyFolder);
                   w.File("ro/inside.txt", "filled");
                   w.File("suid", "x", 0b100_111_101_101);
                   w.Directory("tmp", 0b001_111_111_111);
               }))
            applier.Apply(layer);
        // Until Finish, the folder stays writable: a later layer (or a user that is not root) can still fill it.
        Assert.True(File.GetUnixFileMode(Path.Combine(_root, "ro")).HasFlag(UnixFileMode.UserWrite));
        applier.Finish();
        Assert.Equal((UnixFileMode)ReadOnlyFolder, File.GetUnixFileMode(Path.Combine(_root, "ro")));
        Assert.Equal("filled", File.ReadAllText(Path.Combine(_root, "ro", "inside.txt")));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(_root, "suid")));
        Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(Path.Combine(_root, "tmp")));
        Assert.Single(log, l => l.Contains("setuid", StringComparison.Ordinal));
    }

    [UnixOnlyFact]
    public void AFolderDeletedByAWhiteoutDoesNotPassItsModeToALaterFolderOfTheSameName()
    {
        var applier = new LayerApplier(_root, null);
        using (var lower = HostileTar.Build(w => { w.Directory("d", ReadOnlyFolder); w.File("d/x"); }))
            applier.Apply(lower);
        using (var upper = HostileTar.Build(w => { w.File(".wh.d", ""); w.File("d/y"); }))
            applier.Apply(upper);
        applier.Finish();
        Assert.True(File.GetUnixFileMode(Path.Combine(_root, "d")).HasFlag(UnixFileMode.UserWrite));
        Assert.Equal(new[] { "y" }, Directory.EnumerateFileSystemEntries(Path.Combine(_root, "d")).Select(Path.GetFileName).ToArray());
    }

    [UnixOnlyFact]
    public void AFolderReplacedByALinkIsNeverWrittenThrough()
    {
        var outside = Path.Combine(Path.GetDirectoryName(_root)!, "outside");
        Directory.CreateDirectory(outside);
        var applier = new LayerApplier(_root, null);
        using var layer = HostileTar.Build(w =>
        {
            w.Directory("d");
            w.Symlink("d", outside);
            w.File("d/pwned.txt");
        });
        var refusal = Assert.Throws<UnsafeEntryException>(() => applier.Apply(layer));
        Assert.Equal("d/pwned.txt", refusal.Entry);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }
}
