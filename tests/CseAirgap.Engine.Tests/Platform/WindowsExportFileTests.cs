using System.Text;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tests.Export;
using Xunit;

namespace CseAirgap.Engine.Tests.Platform;

/// <summary>
/// Issue 22 items 12, 13 and 14 through the injected platform: Windows' reparse tags (a deduplicated blob is a file,
/// a symbolic link is not), a destination that says FAT32, and the warnings Expand-CseArtifact writes.
/// </summary>
public sealed class WindowsExportFileTests
{
    private static readonly byte[] Content = Encoding.ASCII.GetBytes("a blob of an export");

    /// <summary>Windows' answer for every path of the export: the blob is a reparse point with <paramref name="blobTag"/>.</summary>
    private static WindowsLinkInspector Windows(string blob, uint blobTag) => new(path =>
        path == blob ? new ReparseFacts(FileAttributes.Archive | FileAttributes.ReparsePoint, blobTag)
        : File.Exists(path) || Directory.Exists(path) ? new ReparseFacts(File.GetAttributes(path), 0) : null);

    [UnixOnlyTheory]
    [InlineData(WindowsLinkInspector.DeduplicationTag, true)]
    [InlineData(WindowsLinkInspector.CloudFileTag, true)]
    [InlineData(WindowsLinkInspector.SymbolicLinkTag, false)]
    [InlineData(WindowsLinkInspector.MountPointTag, false)]
    public void ADeduplicatedOrCloudBlobIsKeptAndALinkIsFetchedAgain(uint tag, bool kept)
    {
        using var scratch = new ScratchFolder();
        var digest = Digest.Sha256Of(Content);
        var blob = scratch.BlobPath(digest.Hex);
        File.WriteAllBytes(blob, Content);

        using var target = new FolderExportTarget(scratch.Export, null, Windows(blob, tag));

        Assert.Equal(kept, target.HasBlob(new Descriptor("application/octet-stream", digest, Content.Length, null)));
    }

    [UnixOnlyFact]
    public void ADeduplicatedBlobIsReadAndALinkedOneIsRefused()
    {
        using var scratch = new ScratchFolder();
        var digest = Digest.Sha256Of(Content);
        var blob = scratch.BlobPath(digest.Hex);
        File.WriteAllBytes(blob, Content);
        var relative = "blobs/sha256/" + digest.Hex;

        using (var stream = ExportFiles.Open(scratch.Export, relative, scratch.Export, Windows(blob, WindowsLinkInspector.DeduplicationTag)))
            Assert.Equal(Content.Length, stream.Length);
        var refused = Assert.Throws<UnsafeExportFileException>(() => ExportFiles.Open(scratch.Export, relative, scratch.Export, Windows(blob, WindowsLinkInspector.SymbolicLinkTag)));
        Assert.Equal("UnsafeExportFile", refused.ErrorId);
    }

    [UnixOnlyTheory]
    [InlineData(0xA000000CU, true)]
    [InlineData(0xA0000003U, true)]
    [InlineData(0xA000001DU, true)]
    [InlineData(0x80000013U, false)]
    [InlineData(0x9000001AU, false)]
    [InlineData(0x9000601AU, false)]
    [InlineData(0x80000017U, false)]
    public void OnlyNameSurrogateTagsAreLinks(uint tag, bool link) => Assert.Equal(link, WindowsLinkInspector.IsLinkTag(tag));

    private sealed class Says(string? format) : VolumeFileSystem
    {
        public override string? FormatOf(string path) => format;
    }

    [UnixOnlyTheory]
    [InlineData("FAT32")]
    [InlineData("vfat")]
    public void OnFat32ATarExportIsSplitBelow4GiBWhenNoPartSizeIsGiven(string format)
    {
        var log = new List<string>();
        var chosen = ExportPartSize.Choose("/media/usb/cse.tar", 0, new Says(format), log.Add);
        Assert.Equal(4095L * 1024 * 1024, chosen);
        Assert.True(chosen < 4L * 1024 * 1024 * 1024);
        Assert.Contains(log, l => l.Contains("-MaxPartSize", StringComparison.Ordinal));
    }

    [UnixOnlyFact]
    public void OnFat32APartSizeOf4GiBIsRefusedUpFrontNamingMaxPartSize()
    {
        var refused = Assert.Throws<FileTooLargeForFileSystemException>(() => ExportPartSize.Choose("E:\\cse.tar", 4L * 1024 * 1024 * 1024, new Says("FAT32"), null));
        Assert.Equal("MaxPartSizeTooLargeForFileSystem", refused.ErrorId);
        Assert.Contains("-MaxPartSize", refused.Message, StringComparison.Ordinal);
    }

    [UnixOnlyTheory]
    [InlineData("NTFS", 0L)]
    [InlineData("exFAT", 0L)]
    [InlineData("ext4", 0L)]
    [InlineData(null, 0L)]
    [InlineData("FAT32", 1048576L)]
    public void ElsewhereThePartSizeIsTheOneAskedFor(string? format, long requested) =>
        Assert.Equal(requested, ExportPartSize.Choose("/x/cse.tar", requested, new Says(format), null));

    [UnixOnlyFact]
    public async Task AFolderExportOnFat32RefusesABlobOf4GiBBeforeFetchingIt()
    {
        using var scratch = new ScratchFolder();
        using var target = new FolderExportTarget(scratch.Export, null, volumes: new Says("FAT32"));
        var big = new Descriptor("application/octet-stream", Digest.Sha256Of(Content), 4L * 1024 * 1024 * 1024, null);
        var opened = false;
        var refused = await Assert.ThrowsAsync<FileTooLargeForFileSystemException>(() =>
            target.WriteBlobAsync("store", big, _ => { opened = true; return Task.FromResult<Stream>(new MemoryStream()); }, CancellationToken.None));
        Assert.Equal("BlobTooLargeForFileSystem", refused.ErrorId);
        Assert.False(opened);
    }

    [UnixOnlyFact]
    public void TheSkippedNamesWarningCountsAndListsTheFirstNamesEscaped()
    {
        var names = Enumerable.Range(0, 25).Select(i => $"n{i}:\u001b[2K").ToList();
        var expanded = Expanded(skippedNames: names);
        var warning = Assert.Single(ExpansionWarnings.For(expanded, true, true));
        Assert.StartsWith("25 entries were not written", warning, StringComparison.Ordinal);
        Assert.Contains("'n9:\\x1b[2K'", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("n10:", warning, StringComparison.Ordinal);
        Assert.Contains("and 15 more", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", warning, StringComparison.Ordinal);
    }

    [UnixOnlyFact]
    public void TheSymbolicLinkWarningNamesNoEditionAndSaysWhichArtifactFilesAreMissing()
    {
        var expanded = Expanded(skippedLinks: new[] { "src/artifact/dependencies.txt" });
        var warning = Assert.Single(ExpansionWarnings.For(expanded, hasDependencyFile: false, hasScript: true));
        Assert.DoesNotContain("Windows PowerShell", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("all there", warning, StringComparison.Ordinal);
        Assert.Contains("no dependencies.txt", warning, StringComparison.Ordinal);
        Assert.Contains("'src/artifact/dependencies.txt'", warning, StringComparison.Ordinal);
    }

    /// <summary>An expansion's report, made the way the expanders make it: by a layer applier that skipped these.</summary>
    private static ExpandedImage Expanded(IReadOnlyList<string>? skippedNames = null, IReadOnlyList<string>? skippedLinks = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "cseairgap-warn-" + Guid.NewGuid().ToString("N"));
        try
        {
            var specs = (skippedNames ?? Array.Empty<string>()).Select(n => PythonLayers.File(n))
                .Concat((skippedLinks ?? Array.Empty<string>()).Select(n => ("sym", n, "elsewhere"))).ToArray();
            Directory.CreateDirectory(root);
            var layer = PythonLayers.Write("tar", Path.Combine(root, "layer.tar"), specs);
            var applier = new LayerApplier(Path.Combine(root, "out"), null, rules: PathRules.Windows);
            using (var tar = File.OpenRead(layer)) applier.Apply(tar);
            return new ExpandedImage(root, null, applier);
        }
        finally
        {
            ConfinedRoot.RemoveTree(root);
        }
    }
}
