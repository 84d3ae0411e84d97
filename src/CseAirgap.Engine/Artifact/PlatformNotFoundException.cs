using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Artifact;

/// <summary>The image exists, but not for the platform asked for; the message lists the ones it has.</summary>
public sealed class PlatformNotFoundException : CseAirgapException
{
    public PlatformNotFoundException(string target, string wanted, string offered)
        : base("PlatformNotFound", FailureCategory.ObjectNotFound, target,
            $"{target} has no {wanted} image; it offers {offered}. Pass -Platform with one of them.")
    {
        Platform = wanted;
    }

    public string Platform { get; }
}
