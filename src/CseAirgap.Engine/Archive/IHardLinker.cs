using System.IO;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// How this platform makes a hard link. <see cref="ConfinedRoot"/> checks both paths before it asks; an
/// implementation only links. Given to the gate rather than chosen inline, so the copy fallback runs in the tests
/// on any machine.
/// </summary>
public interface IHardLinker
{
    /// <summary>
    /// Makes <paramref name="link"/> (which does not exist) a second name of the regular file <paramref name="existing"/>.
    /// False when the file system cannot (no hard links there, too many links to one file): the caller copies instead.
    /// Any other failure is an <see cref="IOException"/>.
    /// </summary>
    bool TryLink(string existing, string link);
}

/// <summary>The platform's linker: link(2) on Unix, CreateHardLinkW on Windows.</summary>
public static class HardLinkers
{
    public static IHardLinker ForThisPlatform { get; } = FileSystemLinks.IsUnix ? new UnixHardLinker() : new WindowsHardLinker();
}

/// <summary>Never links, so every hard link is written as a copy (and its bytes counted as written).</summary>
public sealed class CopyingHardLinker : IHardLinker
{
    public bool TryLink(string existing, string link) => false;
}
