namespace CseAirgap.Engine.Archive;

public enum TarEntryKind
{
    File,
    Directory,
    SymbolicLink,
    HardLink,
    Device,
    Fifo,
    Other,
}

/// <summary>One header of a tar stream, long names and PAX records already applied.</summary>
public sealed class TarEntry
{
    public TarEntry(string name, TarEntryKind kind, long size, int mode, string? linkTarget)
    {
        Name = name;
        Kind = kind;
        Size = size;
        Mode = mode;
        LinkTarget = linkTarget;
    }

    /// <summary>The path as stored: not yet checked or normalised.</summary>
    public string Name { get; }

    public TarEntryKind Kind { get; }
    public long Size { get; }

    /// <summary>Permission bits (07777).</summary>
    public int Mode { get; }

    public string? LinkTarget { get; }
}
