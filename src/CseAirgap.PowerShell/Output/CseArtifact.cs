namespace CseAirgap.PowerShell.Output;

/// <summary>An expanded getting-started image (procedure step 2): where its artifact folder and files are.</summary>
public sealed class CseArtifact
{
    internal CseArtifact(string path, string root, string? dependencyFile, string? script, string image, string? digest, string engine)
    {
        Path = path;
        Root = root;
        DependencyFile = dependencyFile;
        Script = script;
        Image = image;
        Digest = digest;
        Engine = engine;
    }

    /// <summary>The src/artifact folder (the image's root when it has none).</summary>
    public string Path { get; }

    /// <summary>The folder the whole image was expanded into.</summary>
    public string Root { get; }

    /// <summary>dependencies.txt, which Get-CseDependency reads; null when the image has none.</summary>
    public string? DependencyFile { get; }

    /// <summary>getting_started.sh; null when the image has none.</summary>
    public string? Script { get; }

    public string Image { get; }
    public string? Digest { get; }

    /// <summary>
    /// Where the Registry engine really read the image, host/repository@digest (the new host when the source's host
    /// moved, or a mirror); null for the other engines.
    /// </summary>
    public string? ResolvedFrom { get; internal set; }

    /// <summary>Registry, Docker or Archive.</summary>
    public string Engine { get; }

    public override string ToString() => Path;
}
