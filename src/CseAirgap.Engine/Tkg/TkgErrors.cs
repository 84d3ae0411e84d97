using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Tkg;

/// <summary>The source has no TKG BOM for the version asked (the version does not exist there, or is mistyped).</summary>
public sealed class TkgVersionNotFoundException : CseAirgapException
{
    public TkgVersionNotFoundException(string tkgVersion, string bomReference, string message, Exception? inner)
        : base("TkgVersionNotFound", FailureCategory.ObjectNotFound, bomReference, message, inner)
    {
        TkgVersion = tkgVersion;
    }

    public string TkgVersion { get; }
}

/// <summary>
/// One Kubernetes release of a TKG version cannot be resolved (its TKr BOM is missing at the source): that release
/// is left out and the others go on.
/// </summary>
public sealed class TkrBomNotFoundException : CseAirgapException
{
    public TkrBomNotFoundException(string kubernetesVersion, string bomReference, string message, Exception? inner)
        : base("TkrBomNotFound", FailureCategory.ObjectNotFound, bomReference, message, inner)
    {
        KubernetesVersion = kubernetesVersion;
    }

    public string KubernetesVersion { get; }
}

/// <summary>Something the release needs besides a TKr BOM is missing or unreadable at the source (a compatibility image).</summary>
public sealed class TkgReleaseIncompleteException : CseAirgapException
{
    public TkgReleaseIncompleteException(string target, string message, Exception? inner)
        : base("TkgReleaseIncomplete", FailureCategory.ObjectNotFound, target, message, inner)
    {
    }
}
