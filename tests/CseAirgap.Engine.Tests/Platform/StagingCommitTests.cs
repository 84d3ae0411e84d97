using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using Xunit;

namespace CseAirgap.Engine.Tests.Platform;

/// <summary>
/// Issue 22 item 7: replacing an expanded folder when Windows refuses part of the work (a file held open or ReadOnly
/// in the old tree, a rename refused), made to happen on Linux through the folder mover.
/// </summary>
public sealed class StagingCommitTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-commit-" + Guid.NewGuid().ToString("N"));

    public StagingCommitTests() => Directory.CreateDirectory(_scratch);

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    /// <summary>Deletes like Windows with a file held open: the files before it go, then it fails.</summary>
    private sealed class DeleteFailsHalfway : IFolderMover
    {
        public int Deletes;

        public void Move(string from, string to) => Directory.Move(from, to);

        public void RemoveTree(string path)
        {
            Deletes++;
            var files = Directory.GetFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            File.Delete(files[0]);
            throw new IOException($"The process cannot access the file '{files[1]}' because it is being used by another process.");
        }
    }

    /// <summary>Refuses to move the staged folder in (the destination's name is still held), and nothing else.</summary>
    private sealed class MoveInFails : IFolderMover
    {
        // Known once the staging folder exists.
        public string? Staged { get; set; }

        public void Move(string from, string to)
        {
            if (from == Staged) throw new UnauthorizedAccessException($"Access to the path '{to}' is denied.");
            Directory.Move(from, to);
        }

        public void RemoveTree(string path) => ConfinedRoot.RemoveTree(path);
    }

    [Fact]
    public void ADeleteThatFailsHalfwayLeavesTheNewTreeWholeAndTheNextRunRemovesTheOldOne()
    {
        var destination = OldTree();
        var log = new List<string>();
        var mover = new DeleteFailsHalfway();
        using (var staging = new StagingFolder(destination, log.Add, mover))
        {
            File.WriteAllText(Path.Combine(staging.Folder, "new.txt"), "new");
            staging.Commit();
        }

        Assert.Equal(1, mover.Deletes);
        Assert.Equal(new[] { "new.txt" }, Directory.GetFileSystemEntries(destination).Select(Path.GetFileName));
        var leftover = Assert.Single(Directory.GetDirectories(_scratch, ".dest.old-*"));
        Assert.Contains(log, l => l.Contains(leftover, StringComparison.Ordinal));

        using (new StagingFolder(destination, log.Add)) { }
        Assert.Empty(Directory.GetDirectories(_scratch, ".dest.old-*"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(destination, "new.txt")));
    }

    [Fact]
    public void AMoveInThatFailsPutsTheOldTreeBackWhole()
    {
        var destination = OldTree();
        string staged;
        var mover = new MoveInFails();
        using (var staging = new StagingFolder(destination, null, mover))
        {
            staged = mover.Staged = staging.Folder;
            File.WriteAllText(Path.Combine(staging.Folder, "new.txt"), "new");
            Assert.Throws<UnauthorizedAccessException>(staging.Commit);
        }

        Assert.Equal(new[] { "a.txt", "b.txt", "sub" }, Directory.GetFileSystemEntries(destination).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("old b", File.ReadAllText(Path.Combine(destination, "b.txt")));
        Assert.Empty(Directory.GetDirectories(_scratch, ".dest.old-*"));
        Assert.False(Directory.Exists(staged));
    }

    private string OldTree()
    {
        var destination = Path.Combine(_scratch, "dest");
        Directory.CreateDirectory(Path.Combine(destination, "sub"));
        File.WriteAllText(Path.Combine(destination, "a.txt"), "old a");
        File.WriteAllText(Path.Combine(destination, "b.txt"), "old b");
        File.WriteAllText(Path.Combine(destination, "sub", "c.txt"), "old c");
        return destination;
    }
}
