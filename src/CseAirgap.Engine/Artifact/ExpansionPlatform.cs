using System;
using System.IO;
using CseAirgap.Engine.Archive;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// What an expansion asks of the platform it runs on, in one object the expanders receive: which names the file system
/// holds, the framework's gzip reader, and how a finished folder replaces the old one. The tests hand in Windows' rules,
/// .NET Framework's gzip behaviour or a failing delete, so those paths run on Linux.
/// </summary>
public sealed class ExpansionPlatform
{
    public ExpansionPlatform(PathRules? pathRules = null, Func<Stream, Stream>? gzipReader = null, IFolderMover? folderMover = null)
    {
        PathRules = pathRules ?? PathRules.ForThisPlatform;
        GzipReader = gzipReader ?? GzipMembersStream.FrameworkReader;
        FolderMover = folderMover ?? FileSystemFolderMover.Instance;
    }

    public static ExpansionPlatform ForThisPlatform { get; } = new();

    public PathRules PathRules { get; }
    public Func<Stream, Stream> GzipReader { get; }
    public IFolderMover FolderMover { get; }
}
