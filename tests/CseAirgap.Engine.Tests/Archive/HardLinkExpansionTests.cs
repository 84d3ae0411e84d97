using System.Security.Cryptography;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Failures;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>
/// Hard links in archives written by python3's tarfile: made real links (one inode, its bytes on disk once), copied
/// only where the linker refuses, refused when they point at anything but a regular file of the root, and never
/// written through when a later layer replaces or deletes one of the names.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HardLinkExpansionTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-hardlink-" + Guid.NewGuid().ToString("N"));
    private readonly string _destination;

    public HardLinkExpansionTests()
    {
        Directory.CreateDirectory(_scratch);
        _destination = Path.Combine(_scratch, "out");
        File.WriteAllText(Path.Combine(_scratch, "outside.txt"), "outside");
    }

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    [UnixOnlyFact]
    public void TwoHundredHardLinksToOneMebibyteFileTakeOneMebibyteOnDiskAndShareItsInode()
    {
        var archive = PythonArchives.Write("links", Path.Combine(_scratch, "links.tar.gz"), MiB, 200);
        new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination);

        var usage = PythonArchives.Usage(_destination);
        // The old code copied every link: 201 MiB. One inode of 1 MiB, with a little room for nothing else.
        Assert.True(usage.Bytes <= MiB + 4096, $"the expansion holds {usage.Bytes} bytes on disk");
        Assert.Equal(1, usage.Inodes);
        Assert.Equal(201, usage.Files.Count);
        var inode = usage.Files["data/big"].Inode;
        Assert.All(usage.Files.Values, f => Assert.Equal((inode, 201L), f));
        Assert.Equal(Hash(Path.Combine(_destination, "data", "big")), Hash(Path.Combine(_destination, "links", "l0199")));
    }

    [UnixOnlyFact]
    public void AHardLinkInALayerSharesItsTargetsInodeAndCostsNoBytes()
    {
        var layer = PythonArchives.Write("links", Path.Combine(_scratch, "layer.tar.gz"), MiB, 3);
        var root = Path.Combine(_scratch, "root");
        // Room for the file once: three copies would be refused.
        var budget = new ExpansionBudget(new ExpansionLimits(maxBytes: 2 * MiB), "layer.tar.gz");
        var applier = new LayerApplier(root, null, budget);
        using (var file = File.OpenRead(layer))
        using (var tar = LayerDecompression.Open(file, budget))
            applier.Apply(tar);
        applier.Finish();
        Assert.Equal(MiB, budget.BytesWritten);
        Assert.Equal(0, applier.CopiedHardLinks);
        Assert.Equal(1, PythonArchives.Usage(root).Inodes);
    }

    [UnixOnlyFact]
    public void WhereTheLinkerRefusesAHardLinkIsCopiedAndItsBytesAreCharged()
    {
        var layer = PythonArchives.Write("links", Path.Combine(_scratch, "layer.tar.gz"), MiB, 2);
        var root = Path.Combine(_scratch, "root");
        var budget = new ExpansionBudget(new ExpansionLimits(maxBytes: 4 * MiB), "layer.tar.gz");
        var applier = new LayerApplier(root, null, budget, new CopyingHardLinker());
        using (var file = File.OpenRead(layer))
        using (var tar = LayerDecompression.Open(file, budget))
            applier.Apply(tar);
        Assert.Equal(2, applier.CopiedHardLinks);
        Assert.Equal(3 * MiB, budget.BytesWritten);
        var usage = PythonArchives.Usage(root);
        Assert.Equal(3, usage.Inodes);
        Assert.All(usage.Files.Values, f => Assert.Equal(1L, f.Links));
        Assert.Equal(Hash(Path.Combine(root, "data", "big")), Hash(Path.Combine(root, "links", "l0001")));
    }

    [UnixOnlyFact]
    public void CopiesWhereTheLinkerRefusesStillStopAtTheCapOnBytes()
    {
        var archive = PythonArchives.Write("links", Path.Combine(_scratch, "links.tar.gz"), MiB, 200);
        var root = Path.Combine(_scratch, "root");
        var budget = new ExpansionBudget(new ExpansionLimits(maxBytes: 8 * MiB), "links.tar.gz");
        var applier = new LayerApplier(root, null, budget, new CopyingHardLinker());
        using var file = File.OpenRead(archive);
        using var tar = LayerDecompression.Open(file, budget);
        var refusal = Assert.Throws<ContentTooLargeException>(() => applier.Apply(tar));
        Assert.Equal("ContentTooLarge", refusal.ErrorId);
        Assert.Contains("-MaxExpandedBytes", refusal.Message);
        Assert.True(PythonArchives.Usage(root).Bytes <= 8 * MiB);
    }

    [UnixOnlyTheory]
    [InlineData("the parent folder", "../outside.txt")]
    [InlineData("an absolute path", "/etc/hostname")]
    [InlineData("a name never written", "missing.txt")]
    [InlineData("a folder", "dir")]
    [InlineData("a symbolic link to a file", "sym")]
    [InlineData("a file through a symbolic link to a folder", "symdir/inner.txt")]
    public void AHardLinkToAnythingButARegularFileOfTheRootIsRefused(string what, string target)
    {
        _ = what;
        var layer = PythonArchives.Write("layer", Path.Combine(_scratch, "layer.tar"),
            "dir:dir", "file:dir/inner.txt:inner", "file:real.txt:real", "sym:sym:real.txt", "sym:symdir:dir", $"link:evil:{target}");
        var root = Path.Combine(_scratch, "root");
        using var file = File.OpenRead(layer);
        var refusal = Assert.Throws<UnsafeEntryException>(() => new LayerApplier(root, null).Apply(file));
        Assert.Equal("evil", refusal.Entry);
        Assert.False(Path.Exists(Path.Combine(root, "evil")));
        Assert.Equal("outside", File.ReadAllText(Path.Combine(_scratch, "outside.txt")));
    }

    [UnixOnlyFact]
    public void ALaterFileOverOneNameOfAHardLinkLeavesTheOtherNamesContent()
    {
        var root = Path.Combine(_scratch, "root");
        var applier = new LayerApplier(root, null);
        Apply(applier, "lower.tar", "file:a:one", "link:b:a", "link:c:a");
        Apply(applier, "upper.tar", "file:b:two", "sym:c:a");
        applier.Finish();
        Assert.Equal("one", File.ReadAllText(Path.Combine(root, "a")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(root, "b")));
        Assert.Equal("a", new FileInfo(Path.Combine(root, "c")).LinkTarget);
        Assert.Equal(1L, PythonArchives.Usage(root).Files["a"].Links);
    }

    [UnixOnlyFact]
    public void AWhiteoutOfOneNameOfAHardLinkKeepsTheOtherAndALinkOverItsOwnTargetChangesNothing()
    {
        var root = Path.Combine(_scratch, "root");
        var applier = new LayerApplier(root, null);
        Apply(applier, "lower.tar", "file:a:one", "link:b:a", "link:a:a");
        Apply(applier, "upper.tar", "file:.wh.a:");
        applier.Finish();
        Assert.False(Path.Exists(Path.Combine(root, "a")));
        Assert.Equal("one", File.ReadAllText(Path.Combine(root, "b")));
        Assert.Equal(1L, PythonArchives.Usage(root).Files["b"].Links);
    }

    [UnixOnlyFact]
    public void AHardLinksOwnModeLeavesItsFileAsTarDoesButACopyTakesIt()
    {
        using var layer = HostileTar.Build(w =>
        {
            w.File("a", "x", mode: 0b110_100_100);
            w.WriteEntry(new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.HardLink, "b") { LinkName = "a", Mode = (UnixFileMode)0b111_111_111 });
        });
        var linked = Path.Combine(_scratch, "linked");
        new LayerApplier(linked, null).Apply(layer);
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(linked, "b")));
        layer.Position = 0;
        var copied = Path.Combine(_scratch, "copied");
        new LayerApplier(copied, null, null, new CopyingHardLinker()).Apply(layer);
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(copied, "a")));
        Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(Path.Combine(copied, "b")));
    }

    [UnixOnlyFact]
    public void TheGateAsksTheLinkerOnlyForPathsInsideTheRoot()
    {
        var root = Path.Combine(_scratch, "root");
        Directory.CreateDirectory(root);
        var linker = new RecordingLinker();
        var gate = new ConfinedRoot(root, linker);
        using (var file = gate.CreateFile(new[] { "f" }, "f")) file.WriteByte(7);
        Assert.True(gate.CreateHardLink(new[] { "f" }, new[] { "sub", "g" }, "sub/g", "f"));
        var (existing, link) = Assert.Single(linker.Calls);
        Assert.Equal(Path.Combine(gate.Root, "f"), existing);
        Assert.Equal(Path.Combine(gate.Root, "sub", "g"), link);
    }

    private void Apply(LayerApplier applier, string name, params string[] entries)
    {
        var layer = PythonArchives.Write("layer", Path.Combine(_scratch, name), entries);
        using var file = File.OpenRead(layer);
        applier.Apply(file);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private sealed class RecordingLinker : IHardLinker
    {
        public List<(string Existing, string Link)> Calls { get; } = new();

        public bool TryLink(string existing, string link)
        {
            Calls.Add((existing, link));
            return HardLinkers.ForThisPlatform.TryLink(existing, link);
        }
    }
}
