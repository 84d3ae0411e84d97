using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Failures;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>
/// The caps on one expansion, against gzip and zstd bombs and an archive of many entries written by python3 and the
/// zstd command: refused as ContentTooLarge naming the cap and its parameter, while streaming, with the staging
/// folder gone, nothing beside the destination changed and the previous expansion intact.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ExpansionCapTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private const long BombSize = 64L * MiB;
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-caps-" + Guid.NewGuid().ToString("N"));
    private readonly string _destination;

    public ExpansionCapTests()
    {
        Directory.CreateDirectory(_scratch);
        _destination = Path.Combine(_scratch, "out");
        File.WriteAllText(Path.Combine(_scratch, "canary.txt"), "alive");
    }

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    [UnixOnlyTheory]
    [InlineData("gzip-bomb", "bomb.tar.gz")]
    [InlineData("zstd-bomb", "bomb.tar.zst")]
    public void ABombIsRefusedAsContentTooLargeAndThePreviousExpansionIsKept(string kind, string name)
    {
        var bomb = PythonArchives.Write(kind, Path.Combine(_scratch, name), BombSize);
        Assert.True(new FileInfo(bomb).Length < MiB, "the bomb is small on disk");
        var previous = PythonArchives.Write("layer", Path.Combine(_scratch, "previous.tar"), "file:kept.txt:previous");
        new ImageArchiveExpander(null).Expand(previous, PlatformSelector.Default, _destination);
        var before = OutsideSnapshot.Take(_scratch, Path.Combine(_scratch, "nothing-excluded"));

        var refusal = Assert.Throws<ContentTooLargeException>(() =>
            new ImageArchiveExpander(null, new ExpansionLimits(maxBytes: 4 * MiB)).Expand(bomb, PlatformSelector.Default, _destination));

        Assert.Equal("ContentTooLarge", refusal.ErrorId);
        Assert.Equal(4 * MiB, refusal.Limit);
        Assert.Contains("4 MiB", refusal.Message);
        Assert.Contains("-MaxExpandedBytes", refusal.Message);
        Assert.Equal("", OutsideSnapshot.Difference(before, OutsideSnapshot.Take(_scratch, Path.Combine(_scratch, "nothing-excluded"))));
        Assert.Equal("previous", File.ReadAllText(Path.Combine(_destination, "kept.txt")));
    }

    [UnixOnlyTheory]
    [InlineData("gzip-bomb", "bomb.tar.gz")]
    [InlineData("zstd-bomb", "bomb.tar.zst")]
    public void DecompressionIsRefusedWhileStreamingOnceItsOutputPassesTheCap(string kind, string name)
    {
        var bomb = PythonArchives.Write(kind, Path.Combine(_scratch, name), BombSize);
        var budget = new ExpansionBudget(new ExpansionLimits(maxBytes: 4 * MiB), name);
        using var file = File.OpenRead(bomb);
        using var stream = LayerDecompression.Open(file, budget);
        var buffer = new byte[81920];
        var refusal = Assert.Throws<ContentTooLargeException>(() => { while (stream.Read(buffer, 0, buffer.Length) > 0) { } });
        Assert.Contains("-MaxExpandedBytes", refusal.Message);
        // Refused at the read that crossed the cap, not after the 64 MiB: at most one more buffer was decompressed.
        Assert.InRange(budget.BytesDecompressed, 4 * MiB + 1, 4 * MiB + buffer.Length);
    }

    [UnixOnlyFact]
    public void AnArchiveOfMoreEntriesThanTheCapIsRefusedAndLeavesNoStagingFolder()
    {
        var archive = PythonArchives.Write("entries", Path.Combine(_scratch, "many.tar"), 3000);
        var before = OutsideSnapshot.Take(_scratch, Path.Combine(_scratch, "nothing-excluded"));

        var refusal = Assert.Throws<ContentTooLargeException>(() =>
            new ImageArchiveExpander(null, new ExpansionLimits(maxEntries: 1000)).Expand(archive, PlatformSelector.Default, _destination));

        Assert.Equal(1000, refusal.Limit);
        Assert.Contains("1,000 entries", refusal.Message);
        Assert.Contains("-MaxEntryCount", refusal.Message);
        Assert.Equal("", OutsideSnapshot.Difference(before, OutsideSnapshot.Take(_scratch, Path.Combine(_scratch, "nothing-excluded"))));
        Assert.False(Path.Exists(_destination));
    }

    [UnixOnlyFact]
    public void TheDefaultCapsExpandTheSameArchivesWhenTheyAreSmallerThanTheCaps()
    {
        var archive = PythonArchives.Write("entries", Path.Combine(_scratch, "many.tar"), 3000);
        new ImageArchiveExpander(null, new ExpansionLimits(maxEntries: 3001)).Expand(archive, PlatformSelector.Default, _destination);
        Assert.Equal(3000, Directory.EnumerateFiles(Path.Combine(_destination, "many")).Count());
        var bomb = PythonArchives.Write("gzip-bomb", Path.Combine(_scratch, "bomb.tar.gz"), 8 * MiB);
        new ImageArchiveExpander(null).Expand(bomb, PlatformSelector.Default, Path.Combine(_scratch, "zeros"));
        Assert.Equal(8 * MiB, new FileInfo(Path.Combine(_scratch, "zeros", "zeros")).Length);
    }
}
