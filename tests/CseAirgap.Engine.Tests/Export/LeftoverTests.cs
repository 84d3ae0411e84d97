using CseAirgap.Engine.Export;
using Xunit;

namespace CseAirgap.Engine.Tests.Export;

/// <summary>A run into an export folder removes what killed runs left there, and nothing a live run is writing.</summary>
public sealed class LeftoverTests
{
    [Fact]
    public void StalePartialFilesOfKilledRunsAreRemovedWhileALiveWritersAndFreshOnesAndOnesOutsideStay()
    {
        using var scratch = new ScratchFolder();
        var old = DateTime.UtcNow.AddHours(-2);
        string Stale(string path)
        {
            File.WriteAllText(path, "half a blob");
            File.SetLastWriteTimeUtc(path, old);
            return path;
        }
        var staleBlob = Stale(scratch.BlobPath(new string('a', 64)) + ".partial-1a2b3c4d5e6f");
        var staleIndex = Stale(Path.Combine(scratch.Export, "index.json.partial-0123456789ab"));
        var live = Stale(scratch.BlobPath(new string('b', 64)) + ".partial-aaaaaaaaaaaa");
        var fresh = scratch.BlobPath(new string('c', 64)) + ".partial-bbbbbbbbbbbb";
        File.WriteAllText(fresh, "just created");
        var outside = Stale(Path.Combine(scratch.Root, "other.partial-cccccccccccc"));
        var before = scratch.Snapshot();

        // A concurrent run holds its file as the exporter does while writing it.
        using (new FileStream(live, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            using var target = new FolderExportTarget(scratch.Export);
        }

        Assert.False(File.Exists(staleBlob));
        Assert.False(File.Exists(staleIndex));
        Assert.True(File.Exists(live), "a live run's file was removed");
        Assert.True(File.Exists(fresh), "a file created a moment ago was removed");
        Assert.True(File.Exists(outside));
        Assert.Equal(before, scratch.Snapshot());
    }
}
