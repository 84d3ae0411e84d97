using System.IO.Compression;
using CseAirgap.Engine.Archive;
using Xunit;
using static CseAirgap.Engine.Tests.Platform.PythonLayers;

namespace CseAirgap.Engine.Tests.Platform;

/// <summary>
/// Issue 22 item 6: a layer written as two gzip members (python's <c>gzip.compress(a) + gzip.compress(b)</c>), read
/// through a gzip reader that stops after the first member, as .NET Framework's GZipStream does.
/// </summary>
public sealed class GzipMemberTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-gzip-" + Guid.NewGuid().ToString("N"));

    public GzipMemberTests() => Directory.CreateDirectory(_scratch);

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    /// <summary>
    /// .NET Framework's reader: the member's header, then raw deflate to its end. Like the framework's, it reads its
    /// input ahead in blocks, and it ends at the first member's end.
    /// </summary>
    private static Stream FirstMemberOnly(Stream input)
    {
        var header = new byte[10];
        input.ReadExactly(header);
        Assert.True(header[0] == 0x1F && header[1] == 0x8B && header[3] == 0, "python's gzip.compress writes a plain 10-byte header");
        return new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true);
    }

    public static TheoryData<string> Contents => new() { "small text", "random:70000" };

    [UnixOnlyTheory]
    [MemberData(nameof(Contents))]
    public void AReaderThatStopsAfterTheFirstMemberLosesTheSecondMembersFilesWithoutAnError(string content)
    {
        var layer = TwoMemberLayer(content);
        var root = Path.Combine(_scratch, "old");
        // What the code did before: the framework's reader straight over the layer.
        using (var gzip = FirstMemberOnly(System.IO.File.OpenRead(layer)))
            new LayerApplier(root, null).Apply(gzip);
        Assert.Equal(new[] { "a1", "a2" }, Directory.GetFiles(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [UnixOnlyTheory]
    [MemberData(nameof(Contents))]
    public void EveryMembersFilesAreWrittenThroughAReaderThatStopsAfterTheFirstMember(string content)
    {
        var layer = TwoMemberLayer(content);
        var root = Path.Combine(_scratch, "new");
        using (var tar = LayerDecompression.Open(System.IO.File.OpenRead(layer), new ExpansionBudget(ExpansionLimits.Default, layer), FirstMemberOnly))
            new LayerApplier(root, null).Apply(tar);
        Assert.Equal(new[] { "a1", "a2", "b1", "b2" }, Directory.GetFiles(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (!content.StartsWith("random:", StringComparison.Ordinal)) Assert.Equal(content, System.IO.File.ReadAllText(Path.Combine(root, "b2")));
        else Assert.Equal(70000, new FileInfo(Path.Combine(root, "b2")).Length);
    }

    [UnixOnlyFact]
    public void TheRuntimesOwnReaderGivesTheSameFiles()
    {
        var layer = TwoMemberLayer("random:70000");
        var root = Path.Combine(_scratch, "core");
        using (var tar = LayerDecompression.Open(System.IO.File.OpenRead(layer), new ExpansionBudget(ExpansionLimits.Default, layer)))
            new LayerApplier(root, null).Apply(tar);
        Assert.Equal(4, Directory.GetFiles(root).Length);
    }

    private string TwoMemberLayer(string content) =>
        Write("gzip2", Path.Combine(_scratch, "layer-" + Guid.NewGuid().ToString("N") + ".tar.gz"),
            File("a1", content), File("a2", content), File("b1", content), File("b2", content));
}
