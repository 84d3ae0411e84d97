using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// Step 3 of the procedure: copies each dependency to &lt;base&gt;/&lt;path&gt;:&lt;tag&gt; over the registry API,
/// digests unchanged, and tags nothing until everything it points at is there and verified.
/// </summary>
[Cmdlet(VerbsData.Publish, "CseDependency", DefaultParameterSetName = DependencySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CsePublishResult))]
public sealed class PublishCseDependencyCommand : PublishingCmdlet
{
    private const string DependencySet = "Dependency";
    private const string PathSet = "Path";
    private static readonly string[] SourceParameters = { nameof(SourceMirror), nameof(SourceCredential), nameof(SourceSkipCertificateCheck), nameof(AllowLockedImageLogin), nameof(NoRelocation) };
    private readonly List<(ImageReference Source, LayoutImage? Exported, ImageReference Destination)> _pending = new();
    private OciLayoutReader? _export;

    [Parameter(ParameterSetName = DependencySet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [DependencyTransformation]
    public CseDependency[] Dependency { get; set; } = null!;

    /// <summary>An export made by Export-CseDependency: a folder, a .tar, or the first part of a split set.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>
    /// Blobs larger than this many bytes are sent in chunks (PATCH) of at most this size rather than in one request: for a registry behind a
    /// proxy that caps request bodies. Without it, blobs over 2 GiB go in chunks, and a 413 answer switches to chunks.
    /// </summary>
    [Parameter]
    [ValidateRange(1048576, long.MaxValue)]
    public long ChunkedUploadThreshold { get; set; }

    protected override void BeginProcessing()
    {
        if (ParameterSetName == PathSet)
            RefuseUnusedParameters(SourceParameters, "SourceParameterWithPath", "is about source registries, and -Path publishes an export, which holds its images");
        base.BeginProcessing();
        if (ChunkedUploadThreshold > 0)
        {
            // A proxy that caps bodies caps chunks too: none is larger than the threshold.
            Settings.ChunkedUploadThreshold = ChunkedUploadThreshold;
            Settings.ChunkSize = (int)Math.Min(Settings.ChunkSize, ChunkedUploadThreshold);
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
                ThrowTerminatingError(CmdletErrors.From(e, file));
            }
            foreach (var image in _export!.Images)
            {
                // A signature (or other attachment) exported with its image travels with that image, under -IncludeSignature.
                if (_export.IsAttachment(image)) continue;
                if (!ImageReference.TryParse(image.Reference, out var source, out var error))
                {
                    // A hostile or damaged index.json: that image is refused, the others still go.
                    WriteError(CmdletErrors.InvalidArgument("InvalidReference", $"{file} names an image '{image.Reference}' that is not a reference: {error}", image.Reference));
                    continue;
                }
                Queue(source!, image, $"Copy {image.Reference} from {file}");
            }
            return;
        }
        foreach (var dependency in Dependency)
        {
            if (!ImageReference.TryParse(dependency.Reference, out var source, out var error))
            {
                WriteError(CmdletErrors.InvalidArgument("InvalidReference", error!, dependency.Reference));
                continue;
            }
            Queue(source!, null, $"Copy {dependency.Reference}");
        }
    }

    protected override void EndProcessing()
    {
        if (_pending.Count == 0) return;
        using var session = new RegistrySession(Settings);
        var destination = DestinationClient(session);
        var sources = CreateSourceAccess(session);
        foreach (var (source, _, _) in _pending) sources.Name(source);
        var jobs = _pending.Select(p => new ImageCopyJob(p.Source, p.Exported != null ? new LayoutImageSource(_export!, p.Exported) : sources.Open(p.Source), p.Destination)).ToList();
        Func<ImageReference, IImageSource> lockSources = _export != null ? reference => LayoutImageSource.For(_export, reference) : sources.Open;

        var progress = Copy(new RegistryDestination(destination), jobs, lockSources, $"Publishing to {Base}");
        WriteVerbose($"{Base.Host}: {destination.RequestCount} requests; {progress.BytesCopied} bytes sent, {progress.BytesReused} reused.");
    }

    private void Queue(ImageReference source, LayoutImage? exported, string action)
    {
        var destination = source.Relocate(Base.Host, Base.PathPrefix);
        if (ShouldProcess(destination.ToString(), action)) _pending.Add((source, exported, destination));
    }
}
