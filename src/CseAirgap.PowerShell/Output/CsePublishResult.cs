using System;
using System.Collections.Generic;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell.Output;

public enum CsePublishStatus
{
    Copied,
    AlreadyPresent,
    Failed,
}

/// <summary>What Publish-CseDependency did with one dependency.</summary>
public sealed class CsePublishResult
{
    internal CsePublishResult(string source, string destination, string? digest, CsePublishStatus status, long bytesCopied, long bytesReused, TimeSpan duration, int platforms,
        bool isBundle = false, int bundleImages = 0, string? kind = null, IReadOnlyList<string>? signatures = null, string? resolvedFrom = null)
    {
        ResolvedFrom = resolvedFrom;
        SignatureReferences = signatures != null ? new List<string>(signatures).ToArray() : Array.Empty<string>();
        Kind = kind ?? (isBundle ? "Bundle" : "Image");
        BundleImages = bundleImages;
        Source = source;
        Destination = destination;
        Digest = digest;
        Status = status;
        BytesCopied = bytesCopied;
        BytesReused = bytesReused;
        Duration = duration;
        Platforms = platforms;
    }

    public string Source { get; }
    public string Destination { get; }
    public string? Digest { get; }
    public CsePublishStatus Status { get; }

    /// <summary>
    /// Where the image was really read, host/repository@digest: the new host when the source's host moved, a mirror,
    /// or for a bundle's image the bundle's own repository. Null when nothing answered.
    /// </summary>
    public string? ResolvedFrom { get; }

    /// <summary>Blob bytes sent to the destination.</summary>
    public long BytesCopied { get; }

    /// <summary>Blob bytes already at the destination or mounted from another of its repositories.</summary>
    public long BytesReused { get; }

    public TimeSpan Duration { get; }

    /// <summary>Platforms copied with an index (0 for a single-platform image).</summary>
    public int Platforms { get; }

    /// <summary>Image; Bundle for an imgpkg bundle (whose images were copied into its repository first); Inventory for the Tanzu CLI plug-in inventory.</summary>
    public string Kind { get; }

    /// <summary>For a bundle: the images of its lock (nested bundles' included) copied with it.</summary>
    public int BundleImages { get; }

    /// <summary>
    /// With -IncludeSignature: how many signatures, attestations, SBOMs and OCI referrers of the image were carried
    /// (copied now or already at the destination); 0 without the switch or when the source has none.
    /// </summary>
    public int Signatures => SignatureReferences.Length;

    /// <summary>Where each of those landed: the destination repository with its tag (sha256-&lt;hex&gt;.sig, ...) or digest.</summary>
    public string[] SignatureReferences { get; }

    /// <summary>
    /// The destination below the -Registry base (or the export), which is the same on every row: what tells rows
    /// apart, so the default view shows this rather than a cut-off full destination.
    /// </summary>
    public string DestinationPath
    {
        get
        {
            var at = Destination.IndexOf('/');
            var withoutHost = at < 0 ? Destination : Destination.Substring(at + 1);
            if (!ImageReference.TryParse(Source, out var source, out _) || source == null) return withoutHost;
            var name = source.Repository + (source.Tag != null ? ":" + source.Tag : "@" + source.Digest);
            return Destination.EndsWith("/" + name, StringComparison.Ordinal) || Destination.EndsWith(":" + Source, StringComparison.Ordinal) ? name : withoutHost;
        }
    }

    /// <summary>For the Tanzu CLI inventory: the command that makes the CLI discover plug-ins there (null on other rows).</summary>
    public string? PluginSourceCommand { get; internal set; }

    /// <summary>For the Tanzu CLI inventory: the environment variable that lets the CLI use the rebuilt, unsigned inventory.</summary>
    public string? SignatureSkipListVariable { get; internal set; }

    /// <summary>For the Tanzu CLI inventory: the value of <see cref="SignatureSkipListVariable"/> (the inventory image as given to --uri).</summary>
    public string? SignatureSkipListValue { get; internal set; }

    /// <summary>For the Tanzu CLI inventory: `tanzu config set env.…` that keeps the skip list in the CLI's configuration.</summary>
    public string? SignatureSkipListCommand { get; internal set; }

    /// <summary>The destination by digest: the form that binds to later checks.</summary>
    public string? Reference => Digest == null ? null : Destination.Split('@')[0] + "@" + Digest;
}
