using System.IO;
using CseAirgap.Engine.Archive;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// The two file-system steps that replace an expanded folder. An object, so a test can make a rename or a delete fail
/// halfway on Linux, the way an open handle or a ReadOnly file makes it fail on Windows.
/// </summary>
public interface IFolderMover
{
    /// <summary>Renames a folder (or whatever is at <paramref name="from"/>) to a path that does not exist yet.</summary>
    void Move(string from, string to);

    /// <summary>Deletes a tree, never following a link; may fail partway and leave part of it.</summary>
    void RemoveTree(string path);
}

/// <summary>The real file system.</summary>
public sealed class FileSystemFolderMover : IFolderMover
{
    public static FileSystemFolderMover Instance { get; } = new();

    public void Move(string from, string to) => Directory.Move(from, to);

    public void RemoveTree(string path) => ConfinedRoot.RemoveTree(path);
}
