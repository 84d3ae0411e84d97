using System;
using System.IO;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// Extraction happens in a sibling folder that becomes the destination only when everything was applied and
/// verified; on any failure it is removed, so a destination is never left half-expanded.
/// </summary>
public sealed class StagingFolder : IDisposable
{
    private readonly string _destination;
    private bool _committed;

    public StagingFolder(string destination)
    {
        _destination = Path.GetFullPath(destination);
        var parent = Path.GetDirectoryName(_destination) ?? throw new ArgumentException($"'{destination}' has no parent folder.");
        Directory.CreateDirectory(parent);
        Folder = Path.Combine(parent, "." + Path.GetFileName(_destination) + ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>Replaces the destination (the caller has checked it may) with what was staged.</summary>
    public void Commit()
    {
        if (Directory.Exists(_destination)) Directory.Delete(_destination, recursive: true);
        Directory.Move(Folder, _destination);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed || !Directory.Exists(Folder)) return;
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on Windows: the hidden .partial folder is harmless and says what it is.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
