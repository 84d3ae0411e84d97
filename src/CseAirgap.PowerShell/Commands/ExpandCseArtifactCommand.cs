using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Docker;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

public enum CseExpandEngine
{
    Registry,
    Docker,
}

/// <summary>
/// Step 2 of the procedure without Docker: the getting-started image's files, as docker create + docker export
/// + tar would give them. Also through a Docker engine, from an image archive file, or from an export of Export-CseDependency.
/// </summary>
[Cmdlet(VerbsData.Expand, "CseArtifact", DefaultParameterSetName = ImageSet, SupportsShouldProcess = true)]
[OutputType(typeof(CseArtifact))]
public sealed class ExpandCseArtifactCommand : SourceRegistryCmdlet
{
    private const string ImageSet = "Image";
    private const string ReferenceSet = "Reference";
    private const string PathSet = "Path";
    private const string ExportSet = "Export";
    private const int ProgressId = 2;

    [Parameter(ParameterSetName = ImageSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public CseAirgapImage Image { get; set; } = null!;

    [Parameter(ParameterSetName = ReferenceSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ExportSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Reference { get; set; } = null!;

    /// <summary>An export of Export-CseDependency (its folder, or its tar) that holds the image -Reference names.</summary>
    [Parameter(ParameterSetName = ExportSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Export { get; set; } = null!;

    /// <summary>A tar from docker export, a docker save archive, or an OCI image layout archive.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Default: a new folder in the current directory named after the image and tag.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    public CseExpandEngine Engine { get; set; } = CseExpandEngine.Registry;

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    public string? DockerHost { get; set; }

    /// <summary>os/architecture of an index to expand; linux/amd64 by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Platform { get; set; } = PlatformSelector.Default;

    /// <summary>The account for the registry or mirror the image is read from; -Credential, its name before, still binds.</summary>
    [Parameter]
    [SourceCredentialTransformation]
    [Alias("Credential")]
    public override object? SourceCredential { get; set; }

    /// <summary>Replace a destination that is not empty.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The most bytes one expansion writes, and the most its gzip and zstd content may decompress to (8 GiB by default).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxExpandedBytes { get; set; } = ExpansionLimits.DefaultMaxBytes;

    /// <summary>The most entries (files, folders, links, whiteouts of all layers together) one expansion reads (1,000,000 by default).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxEntryCount { get; set; } = ExpansionLimits.DefaultMaxEntries;

    protected override bool UsesRegistries => ParameterSetName != PathSet && ParameterSetName != ExportSet;

    protected override void BeginProcessing()
    {
        if (ParameterSetName == PathSet)
            RefuseUnusedParameters(RegistryOnlyParameters, "RegistryParameterWithPath", "is about registries, and -Path expands an archive file");
        if (ParameterSetName == ExportSet)
            RefuseUnusedParameters(RegistryOnlyParameters, "RegistryParameterWithExport", "is about registries, and -Export expands an image of an export, which holds it");
        base.BeginProcessing();
    }

    private static readonly string[] RegistryOnlyParameters =
        { nameof(SourceMirror), nameof(SourceCredential), nameof(NoRelocation), nameof(CaCertificate), nameof(SkipCertificateCheck), nameof(RetryBudgetSec), nameof(StallTimeoutSec) };

    protected override void ProcessRecord()
    {
        var label = ParameterSetName == PathSet ? Path : ParameterSetName == ImageSet ? Image.Reference : Reference;
        ImageReference? reference = null;
        if (ParameterSetName != PathSet && !ImageReference.TryParse(label, out reference, out var error))
        {
            WriteError(CmdletErrors.InvalidArgument("InvalidReference", error!, label));
            return;
        }

        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination ?? DefaultFolderName(reference, label));
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any() && !Force)
        {
            WriteError(CmdletErrors.Refused(new IOException($"The destination '{destination}' is not empty. Pass -Force to replace its contents, or -Destination to choose another folder."),
                "DestinationNotEmpty", ErrorCategory.ResourceExists, destination));
            return;
        }
        if (File.Exists(destination))
        {
            WriteError(CmdletErrors.Refused(new IOException($"The destination '{destination}' is a file. Give a folder with -Destination."),
                "DestinationIsFile", ErrorCategory.InvalidArgument, destination));
            return;
        }
        if (!ShouldProcess(destination, $"Expand {label}")) return;

        var activity = $"Expanding {label}";
        try
        {
            _served = null;
            var (work, engineName, session) = Start(reference, destination, activity);
            ExpandedImage expanded;
            using (session)
            {
                expanded = Run(work);
            }
            var artifact = ToArtifact(expanded, label, engineName,
                _served != null && expanded.Digest != null ? _served.ResolvedFrom(expanded.Digest) : null);
            foreach (var warning in ExpansionWarnings.For(expanded, artifact.DependencyFile != null, artifact.Script != null)) WriteWarning(warning);
            WriteObject(artifact);
        }
        catch (Exception e) when (CmdletErrors.IsExplained(e))
        {
            WriteError(CmdletErrors.From(e, label));
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            // The destination's file system refused a write (full, read-only, no rights).
            WriteError(CmdletErrors.Refused(e, "ExpandFailed", ErrorCategory.WriteError, label));
        }
        finally
        {
            WriteProgress(new ProgressRecord(ProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>The expansion to run (not started yet), by engine; every engine reports progress as one status line.</summary>
    private (Func<CancellationToken, Task<ExpandedImage>> Work, string Engine, IDisposable? Session) Start(ImageReference? reference, string destination, string activity)
    {
        Action<string> status = text => Post(() => WriteProgress(new ProgressRecord(ProgressId, activity, text)));
        var log = VerboseSink;
        if (ParameterSetName == PathSet)
        {
            var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            return (ct => Task.Run(() => new ImageArchiveExpander(log, Limits).Expand(file, Platform, destination), ct), "Archive", null);
        }
        if (ParameterSetName == ExportSet)
        {
            var export = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Export);
            return (async ct =>
            {
                // The image as Publish-CseDependency -Path would read it: by its recorded name, or by digest.
                var image = LayoutImageSource.For(OciLayoutReader.Open(export), reference!);
                _served = image;
                return await new RegistryImageExpander(log, Limits).ExpandAsync(image, Platform, destination, BytesRead(status), ct).ConfigureAwait(false);
            }, "Export", null);
        }

        var session = new RegistrySession(Settings);
        var sources = CreateSourceAccess(session);
        sources.Name(reference!);
        var (address, fetch) = Mirrors.Resolve(reference!);
        if (Engine == CseExpandEngine.Docker)
        {
            session.Dispose();
            var exporter = new DockerImageExporter(DockerEndpoint.Resolve(DockerHost), log, Limits);
            var credential = sources.CredentialFor(address.Host);
            return (ct => exporter.ExpandAsync(fetch, Platform, credential, destination, status, ct), "Docker", null);
        }

        return (async ct =>
        {
            // A moved host's new name first: the place that has the image is the one expanded.
            var place = sources.Open(reference!);
            _served = place;
            return await new RegistryImageExpander(log, Limits).ExpandAsync(place, Platform, destination, BytesRead(status), ct).ConfigureAwait(false);
        }, "Registry", session);
    }

    /// <summary>A byte counter that reports one status line per 4 MB read, not one per read.</summary>
    private static Action<long> BytesRead(Action<string> status)
    {
        long bytes = 0;
        return n =>
        {
            var before = bytes >> 22;
            bytes += n;
            if (bytes >> 22 != before) status($"{bytes / 1048576.0:0.0} MB read");
        };
    }

    // Where the image was really read (a moved host's new name, a mirror, the export), for the result's ResolvedFrom;
    // written by the work before Run returns.
    private IImageSource? _served;

    private ExpansionLimits Limits => new(MaxExpandedBytes, MaxEntryCount);

    private static CseArtifact ToArtifact(ExpandedImage expanded, string image, string engine, string? resolvedFrom)
    {
        var artifact = System.IO.Path.Combine(expanded.Root, "src", "artifact");
        var folder = Directory.Exists(artifact) ? artifact : expanded.Root;
        string? Existing(string name) => File.Exists(System.IO.Path.Combine(folder, name)) ? System.IO.Path.Combine(folder, name) : null;
        return new CseArtifact(folder, expanded.Root, Existing("dependencies.txt"), Existing("getting_started.sh"), image, expanded.Digest, engine) { ResolvedFrom = resolvedFrom };
    }

    private static string DefaultFolderName(ImageReference? reference, string label)
    {
        if (reference == null) return System.IO.Path.GetFileNameWithoutExtension(label) + "-fs";
        var name = reference.Repository.Split('/').Last();
        return name + "-" + (reference.Tag ?? reference.Digest!.Substring(7, 12));
    }
}
