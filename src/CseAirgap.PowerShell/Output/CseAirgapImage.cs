namespace CseAirgap.PowerShell.Output;

/// <summary>The getting-started-airgapped image of one CSE version (step 1 of the procedure).</summary>
public sealed class CseAirgapImage
{
    internal CseAirgapImage(string cseVersion, string reference, string registry, string repository, string tag)
    {
        CseVersion = cseVersion;
        Reference = reference;
        Registry = registry;
        Repository = repository;
        Tag = tag;
    }

    public string CseVersion { get; }
    public string Reference { get; }
    public string Registry { get; }
    public string Repository { get; }
    public string Tag { get; }

    public override string ToString() => Reference;
}
