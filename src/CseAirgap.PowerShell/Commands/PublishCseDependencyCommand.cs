using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using System.Linq;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// Step 3 of the procedure: copies each dependency to &lt;base&gt;/&lt;path&gt;:&lt;tag&gt; over the registry API,
/// digests unchanged, and tags nothing until everything it points at is there and verified.
/// </summary>
[Cmdlet(VerbsData.Publish, "CseDependency", DefaultParameterSetName = DependencySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CsePublishResult))]
public sealed class PublishCseDependencyCommand : AsyncCmdlet, IDestinationParameters, ISourceTrustParameters, ITransportParameters
{
    private const string DependencySet = "Dependency";
    private const string PathSet = "Path";
    private readonly List<(CseDependency Dependency, ImageReference Destination)> _pending = new();
    private OciLayoutReader? _export;
    private RegistryAddress _base = null!;

    [Parameter(ParameterSetName = DependencySet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [DependencyTransformation]
    public CseDependency[] Dependency { get; set; } = null!;

    /// <summary>An export made by Export-CseDependency: a folder, a .tar, or the first part of a split set.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>The destination base: host[:port][/prefix]; HTTPS unless written http://.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter(ParameterSetName = DependencySet)]
    [Credential]
    public PSCredential? SourceCredential { get; set; }

    /// <summary>A mirror for every source host (string), or a hashtable of source host to mirror.</summary>
    [Parameter(ParameterSetName = DependencySet)]
    public object? SourceMirror { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CaCertificate { get; set; }

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Accept any TLS certificate from the sources and mirrors (-SkipCertificateCheck covers -Registry only).</summary>
    [Parameter(ParameterSetName = DependencySet)]
    public SwitchParameter SourceSkipCertificateCheck { get; set; }

    /// <summary>How long one request may keep being told to wait (429, 503 with Retry-After) before it fails.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int RetryBudgetSec { get; set; } = 300;

    /// <summary>The longest silence of a registry: for an answer to begin, and between the bytes of a body.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int StallTimeoutSec { get; set; } = 60;

    /// <summary>Images copied at the same time (8: the knee of the benchmark's sweep).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>
    /// Blobs larger than this many bytes are sent in chunks (PATCH) of at most this size rather than in one request: for a registry behind a
    /// proxy that caps request bodies. Without it, blobs over 2 GiB go in chunks, and a 413 answer switches to chunks.
    /// </summary>
    [Parameter]
    [ValidateRange(1048576, long.MaxValue)]
    public long ChunkedUploadThreshold { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            _base = RegistryAddress.Parse(Registry);
        }
        catch (Exception e) when (e is FormatException || e is RegistryException)
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException(e.Message, e), "InvalidRegistry", ErrorCategory.InvalidArgument, Registry));
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PathSet)
        {
            var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            try
            {
                _export = OciLayoutReader.Open(file);
            }
            catch (CseAirgapException e)
            {
                // An export that is not one, or whose index.json is damaged or hostile (InvalidDigest, ContentTooLarge).
                ThrowTerminatingError(RegistryErrors.ToErrorRecord(e, file));
            }
            foreach (var image in _export!.Images)
            {
                var source = ImageReference.Parse(image.Reference);
                var destination = source.Relocate(_base.Host, _base.PathPrefix);
                if (ShouldProcess(destination.ToString(), $"Copy {image.Reference} from {file}"))
                    _pending.Add((new CseDependency(image.Reference), destination));
            }
            return;
        }
        foreach (var dependency in Dependency)
        {
            ImageReference destination;
            try
            {
                destination = dependency.ToImageReference().Relocate(_base.Host, _base.PathPrefix);
            }
            catch (FormatException e)
            {
                WriteError(RegistryErrors.ToErrorRecord(e, dependency.Reference));
                continue;
            }
            if (ShouldProcess(destination.ToString(), $"Copy {dependency.Reference}"))
                _pending.Add((dependency, destination));
        }
    }

    protected override void EndProcessing()
    {
        if (_pending.Count == 0) return;
        var (options, mirrors) = RegistryParameters.Create(this, VerboseSink, CaCertificate, SkipCertificateCheck, SourceMirror);
        if (ChunkedUploadThreshold > 0)
        {
            // A proxy that caps bodies caps chunks too: none is larger than the threshold.
            options.ChunkedUploadThreshold = ChunkedUploadThreshold;
            options.ChunkSize = (int)Math.Min(options.ChunkSize, ChunkedUploadThreshold);
        }

        using var session = new RegistrySession(options);
        var destination = session.For(_base, RegistryParameters.CredentialFor(Credential, _base.Host));
        var open = RegistryParameters.SourceOpener(session, mirrors, SourceCredential);
        var jobs = new List<ImageCopyJob>();
        foreach (var (dependency, target) in _pending)
        {
            var source = dependency.ToImageReference();
            if (_export != null)
            {
                var image = _export.Images.First(i => i.Reference == dependency.Reference);
                jobs.Add(new ImageCopyJob(source, new LayoutImageSource(_export, image), target));
                continue;
            }
            jobs.Add(new ImageCopyJob(source, open(source), target));
        }

        Func<ImageReference, IImageSource> lockSources = _export != null ? reference => LayoutImageSource.For(_export, reference) : open;
        var copier = new ImageCopier(new RegistryDestination(destination), options.Retry, options.Log, lockSources);
        var progress = new CopyProgress(jobs.Count);
        Run(ct => copier.RunAsync(jobs, ThrottleLimit, progress, o => Post(() => PublishResults.Write(this, o)), ct), () => Progress(progress));
        WriteVerbose($"{_base.Host}: {destination.RequestCount} requests; {progress.BytesCopied} bytes sent, {progress.BytesReused} reused.");
    }

    private ProgressRecord Progress(CopyProgress p)
    {
        return new ProgressRecord(1, $"Publishing to {_base}",
            $"{p.ImagesDone} of {p.TotalImages} images; {p.BytesCopied / 1048576.0:0.0} MB sent, {p.BytesReused / 1048576.0:0.0} MB reused")
        {
            PercentComplete = p.TotalImages == 0 ? 100 : Math.Min(100, 100 * p.ImagesDone / p.TotalImages),
        };
    }
}
