using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Dependencies;

/// <summary>One image named by a dependencies file (or typed by hand), with where it came from.</summary>
public sealed class DependencyLine
{
    public DependencyLine(ImageReference reference, bool enabled, string? file, int line)
    {
        Reference = reference;
        Enabled = enabled;
        File = file;
        Line = line;
    }

    public ImageReference Reference { get; }
    public bool Enabled { get; }
    public string? File { get; }
    public int Line { get; }

    /// <summary>The layout group: the first path segment when it is one CSE cares about, else "other".</summary>
    public static string GroupOf(ImageReference reference)
    {
        var first = reference.Repository.Split('/')[0];
        return first == "vmware-cloud-director" || first == "tkg" || first == "tanzu_cli" ? first : "other";
    }
}

/// <summary>A line of a dependencies file that is not an image.</summary>
public sealed class DependencyLineError
{
    public DependencyLineError(string file, int line, string text, string message)
    {
        File = file;
        Line = line;
        Text = text;
        Message = message;
    }

    public string File { get; }
    public int Line { get; }
    public string Text { get; }
    public string Message { get; }
}
