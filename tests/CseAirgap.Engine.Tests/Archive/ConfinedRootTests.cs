using CseAirgap.Engine.Archive;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>The gate: inside the root is allowed, outside and through a link is refused before anything is touched.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConfinedRootTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-gate-" + Guid.NewGuid().ToString("N"));
    private readonly string _root;
    private readonly string _outside;
    private readonly ConfinedRoot _gate;

    public ConfinedRootTests()
    {
        _root = Path.Combine(_scratch, "root");
        _outside = Path.Combine(_scratch, "outside");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "secret");
        File.SetUnixFileMode(Path.Combine(_outside, "secret.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // A link inside the root that points outside it, as a hostile layer may leave.
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(_root, "secret-link"), Path.Combine(_outside, "secret.txt"));
        _gate = new ConfinedRoot(_root);
    }

    public void Dispose()
    {
        foreach (var link in new[] { "escape", "secret-link" })
        {
            var path = Path.Combine(_root, link);
            if (new FileInfo(path).LinkTarget != null) File.Delete(path);
        }
        Directory.Delete(_scratch, recursive: true);
    }

    [UnixOnlyFact]
    public void WritesCreatesAndRemovesInsideTheRoot()
    {
        using (var file = _gate.CreateFile(new[] { "a", "b", "c.txt" }, "a/b/c.txt")) file.WriteByte(42);
        Assert.Equal(new byte[] { 42 }, File.ReadAllBytes(Path.Combine(_root, "a", "b", "c.txt")));
        _gate.CreateDirectory(new[] { "a", "d" }, "a/d");
        Assert.True(Directory.Exists(Path.Combine(_root, "a", "d")));
        _gate.Remove(new[] { "a" }, "a");
        Assert.False(Path.Exists(Path.Combine(_root, "a")));
    }

    [UnixOnlyTheory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..\\outside")]
    public void RefusesAComponentThatIsNotAPlainName(string component)
    {
        var refusal = Assert.Throws<UnsafeEntryException>(() => _gate.CreateFile(new[] { component, "x" }, "entry"));
        Assert.Equal("UnsafeArchiveEntry", refusal.ErrorId);
        Assert.Throws<UnsafeEntryException>(() => _gate.Remove(new[] { component }, "entry"));
        Assert.Equal(new[] { "escape", "secret-link" }, Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName).Order().ToArray());
    }

    [UnixOnlyFact]
    public void RefusesEveryChangeThroughALinkAndLeavesWhatItPointsAtAlone()
    {
        var through = new[] { "escape", "secret.txt" };
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateFile(through, "escape/secret.txt"));
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateFile(new[] { "escape", "new.txt" }, "escape/new.txt"));
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateDirectory(new[] { "escape", "made" }, "escape/made"));
        Assert.Throws<UnsafeEntryException>(() => _gate.Remove(through, "escape/secret.txt"));
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateSymbolicLink(new[] { "escape", "l" }, "/", "escape/l"));
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateHardLink(new[] { "secret-link" }, new[] { "copy" }, "copy", "secret-link"));
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateHardLink(through, new[] { "copy" }, "copy", "escape/secret.txt"));
        Assert.Throws<UnsafeEntryException>(() => _gate.OpenRegularFile(new[] { "secret-link" }, "secret-link"));
        Assert.Throws<UnsafeEntryException>(() => _gate.OpenRegularFile(through, "escape/secret.txt"));
        Assert.False(_gate.TrySetMode(through, 0b111_111_111, "escape/secret.txt"));
        Assert.False(_gate.TrySetMode(new[] { "secret-link" }, 0b111_111_111, "secret-link"));

        Assert.Equal(new[] { "secret.txt" }, Directory.EnumerateFileSystemEntries(_outside).Select(Path.GetFileName).ToArray());
        Assert.Equal("secret", File.ReadAllText(Path.Combine(_outside, "secret.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_outside, "secret.txt")));
        Assert.False(Path.Exists(Path.Combine(_root, "copy")));
    }

    [UnixOnlyFact]
    public void ReplacesALinkByAFileOrFolderWithoutTouchingItsTarget()
    {
        _gate.CreateDirectory(new[] { "escape" }, "escape");
        Assert.Null(new DirectoryInfo(Path.Combine(_root, "escape")).LinkTarget);
        using (var file = _gate.CreateFile(new[] { "secret-link" }, "secret-link")) file.WriteByte(1);
        Assert.Null(new FileInfo(Path.Combine(_root, "secret-link")).LinkTarget);
        Assert.Equal("secret", File.ReadAllText(Path.Combine(_outside, "secret.txt")));
    }

    [UnixOnlyFact]
    public void RemovesATreeHoldingLinksAndClosedFoldersWithoutFollowingAny()
    {
        _gate.CreateDirectory(new[] { "tree", "closed" }, "tree/closed");
        _gate.CreateSymbolicLink(new[] { "tree", "closed", "out" }, _outside, "tree/closed/out");
        Assert.True(_gate.TrySetMode(new[] { "tree", "closed" }, 0b101_101_101, "tree/closed"));
        _gate.Remove(new[] { "tree" }, "tree");
        Assert.False(Path.Exists(Path.Combine(_root, "tree")));
        Assert.Equal("secret", File.ReadAllText(Path.Combine(_outside, "secret.txt")));
    }

    [UnixOnlyFact]
    public void CopiesAHardLinkOnlyFromARegularFileInsideTheRoot()
    {
        using (var file = _gate.CreateFile(new[] { "f" }, "f")) file.WriteByte(7);
        _gate.CreateHardLink(new[] { "f" }, new[] { "g" }, "g", "f");
        Assert.Equal(new byte[] { 7 }, File.ReadAllBytes(Path.Combine(_root, "g")));
        _gate.CreateDirectory(new[] { "dir" }, "dir");
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateHardLink(new[] { "dir" }, new[] { "h" }, "h", "dir"));
        Assert.Throws<UnsafeEntryException>(() => _gate.CreateHardLink(new[] { "missing" }, new[] { "h" }, "h", "missing"));
    }
}
