using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The base of the cmdlets that copy images (Publish-CseDependency, Export-CseDependency, Publish-CseTanzuPlugin):
/// they declare what to copy where; the copy itself (the copier over the jobs, under -ThrottleLimit), its one
/// progress record and the result objects are here.
/// </summary>
public abstract class CopyCmdlet : SourceRegistryCmdlet
{
    private const int ProgressId = 1;

    /// <summary>Images copied at the same time (8: the knee of the benchmark's sweep).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>
    /// An image that only a bundle's lock names, on an origin the user did not name, may be read with the Docker config
    /// file's login for its host (by default it is read anonymously).
    /// </summary>
    [Parameter]
    public SwitchParameter AllowLockedImageLogin { get; set; }

    protected override bool AllowLockedImageLoginValue => AllowLockedImageLogin;

    /// <summary>
    /// Also copy each image's cosign signature, attestation and SBOM tags (sha256-&lt;hex&gt;.sig, .att, .sbom) and its OCI
    /// referrers, where the source has them, after the image and with their digests unchanged.
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeSignature { get; set; }

    /// <summary>
    /// Copies <paramref name="jobs"/> to <paramref name="destination"/>, writing each result as it lands, then runs
    /// <paramref name="then"/> (what must come after every image, such as an inventory) under the same progress record.
    /// </summary>
    /// <param name="lockSources">Where the images a bundle's lock names are read.</param>
    /// <param name="activity">What the progress record says is going on, such as "Publishing to harbor.corp.local/cse".</param>
    /// <param name="shownDestination">The destination a result names, when it is not the job's destination reference.</param>
    /// <param name="landed">Told of every outcome, on a copier thread, before its result is written.</param>
    protected CopyProgress Copy(IImageDestination destination, IReadOnlyList<ImageCopyJob> jobs, Func<ImageReference, IImageSource> lockSources,
        string activity, Func<ImageCopyOutcome, string>? shownDestination = null, Action<ImageCopyOutcome>? landed = null,
        Func<CancellationToken, Task>? then = null)
    {
        var copier = new ImageCopier(destination, Settings.Retry, Settings.Log, lockSources, carryAttachments: IncludeSignature);
        var progress = new CopyProgress(jobs.Count);
        Run(async ct =>
        {
            await copier.RunAsync(jobs, ThrottleLimit, progress, o =>
            {
                landed?.Invoke(o);
                Post(() => WriteResult(o, shownDestination?.Invoke(o)));
            }, ct).ConfigureAwait(false);
            if (then != null) await then(ct).ConfigureAwait(false);
        }, () => ProgressOf(activity, progress));
        return progress;
    }

    private static ProgressRecord ProgressOf(string activity, CopyProgress p) =>
        new(ProgressId, activity, $"{p.ImagesDone} of {p.TotalImages} images; {p.BytesCopied / 1048576.0:0.0} MB copied, {p.BytesReused / 1048576.0:0.0} MB already there")
        {
            PercentComplete = p.TotalImages == 0 ? 100 : Math.Min(100, 100 * p.ImagesDone / p.TotalImages),
        };

    /// <summary>One copy outcome as the cmdlets report it: an error record when it failed, and the result object.</summary>
    private void WriteResult(ImageCopyOutcome o, string? shownDestination)
    {
        if (o.Error != null) WriteError(CmdletErrors.From(o.Error, o.Job.Source.ToString()));
        var status = o.Status switch
        {
            CopyStatus.Copied => CsePublishStatus.Copied,
            CopyStatus.AlreadyPresent => CsePublishStatus.AlreadyPresent,
            _ => CsePublishStatus.Failed,
        };
        WriteObject(new CsePublishResult(o.Job.Source.ToString(), shownDestination ?? o.Job.Destination.ToString(), o.Digest, status,
            o.BytesCopied, o.BytesReused, o.Duration, o.Platforms, o.IsBundle, o.BundleImages, signatures: o.Attachments, resolvedFrom: o.ResolvedFrom));
    }
}
