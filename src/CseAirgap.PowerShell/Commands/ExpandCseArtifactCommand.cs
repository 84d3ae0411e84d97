using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Docker;
using CseAirgap.Engine.Failures;
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
/// + tar would give them. Also through a Docker engine, or from an image archive file.
/// </summary>
[Cmdlet(VerbsData.Expand, "CseArtifact", DefaultParameterSetName = ImageSet, SupportsShouldProcess = true)]
[OutputType(typeof(CseArtifact))]
public sealed class ExpandCseArtifactCommand : AsyncCmdlet, ITransportParameters
{
    private const string ImageSet = "Image";
    private const string ReferenceSet = "Reference";
    private const string PathSet = "Path";

    [Parameter(ParameterSetName = ImageSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public CseAirgapImage Image { get; set; } = null!;

    [Parameter(ParameterSetName = ReferenceSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Reference { get; set; } = null!;

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

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    public object? SourceMirror { get; set; }

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    [ValidateNotNullOrEmpty]
    public string[]? CaCertificate { get; set; }

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>How long one request may keep being told to wait (429, 503 with Retry-After) before it fails.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    [ValidateRange(1, 86400)]
    public int RetryBudgetSec { get; set; } = 300;

    /// <summary>The longest silence of a registry: for an answer to begin, and between the bytes of a body.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = ReferenceSet)]
    [ValidateRange(1, 3600)]
    public int StallTimeoutSec { get; set; } = 60;

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

    protected override void ProcessRecord()
    {
        var label = ParameterSetName == PathSet ? Path : ParameterSetName == ImageSet ? Image.Reference : Reference;
        ImageReference? reference = null;
        if (ParameterSetName != PathSet && !ImageReference.TryParse(label, out reference, out var error))
        {
            WriteError(new ErrorRecord(new PSArgumentException(error), "InvalidReference", ErrorCategory.InvalidArgument, label));
            return;
        }

        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination ?? DefaultFolderName(reference, label));
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any() && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"The destination '{destination}' is not empty. Pass -Force to replace its contents, or -Destination to choose another folder."),
                "DestinationNotEmpty", ErrorCategory.ResourceExists, destination));
            return;
        }
        if (File.Exists(destination))
        {
            WriteError(new ErrorRecord(new IOException($"The destination '{destination}' is a file. Give a folder with -Destination."),
                "DestinationIsFile", ErrorCategory.InvalidArgument, destination));
            return;
        }
        if (!ShouldProcess(destination, $"Expand {label}")) return;

        var activity = $"Expanding {label}";
        try
        {
            var (work, engineName, session) = Start(reference, destination, VerboseSink, activity);
            ExpandedImage expanded;
            using (session)
            {
                expanded = Run(work);
            }
            var artifact = ToArtifact(expanded, label, engineName);
            foreach (var warning in ExpansionWarnings.For(expanded, artifact.DependencyFile != null, artifact.Script != null)) WriteWarning(warning);
            WriteObject(artifact);
        }
        catch (Exception e) when (e is CseAirgapException || e is InvalidDataException || e is FormatException || e is IOException || e is UnauthorizedAccessException)
        {
            WriteError(ToErrorRecord(e, label));
        }
        finally
        {
            WriteProgress(new ProgressRecord(2, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>The expansion to run (not started yet), by engine.</summary>
    private (Func<CancellationToken, Task<ExpandedImage>> Work, string Engine, IDisposable? Session) Start(ImageReference? reference, string destination, Action<string> log, string activity)
    {
        if (ParameterSetName == PathSet)
        {
            var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            return (ct => Task.Run(() => new ImageArchiveExpander(log, Limits).Expand(file, Platform, destination), ct), "Archive", null);
        }

        var mirrors = RegistryParameters.Mirrors(SourceMirror);
        var (address, fetch) = mirrors.Resolve(reference!);
        if (Engine == CseExpandEngine.Docker)
        {
            var exporter = new DockerImageExporter(DockerEndpoint.Resolve(DockerHost), log, Limits);
            var credential = RegistryParameters.CredentialFor(Credential, address.Host);
            return (ct => exporter.ExpandAsync(fetch, credential, destination,
                status => Post(() => WriteProgress(new ProgressRecord(2, activity, status))), ct), "Docker", null);
        }

        var session = new RegistrySession(RegistryParameters.SessionOptions(this, CaCertificate, SkipCertificateCheck, log));
        var client = session.For(address, RegistryParameters.CredentialFor(Credential, address.Host));
        long bytes = 0;
        var expander = new RegistryImageExpander(client, log, Limits);
        return (ct => expander.ExpandAsync(fetch, Platform, destination, n =>
        {
            // A progress line per 4 MB, not per read.
            var before = bytes >> 22;
            bytes += n;
            if (bytes >> 22 == before) return;
            var text = $"{bytes / 1048576.0:0.0} MB read";
            Post(() => WriteProgress(new ProgressRecord(2, activity, text)));
        }, ct), "Registry", session);
    }

    private ExpansionLimits Limits => new(MaxExpandedBytes, MaxEntryCount);

    private static CseArtifact ToArtifact(ExpandedImage expanded, string image, string engine)
    {
        var artifact = System.IO.Path.Combine(expanded.Root, "src", "artifact");
        var folder = Directory.Exists(artifact) ? artifact : expanded.Root;
        string? Existing(string name) => File.Exists(System.IO.Path.Combine(folder, name)) ? System.IO.Path.Combine(folder, name) : null;
        return new CseArtifact(folder, expanded.Root, Existing("dependencies.txt"), Existing("getting_started.sh"), image, expanded.Digest, engine);
    }

    private static string DefaultFolderName(ImageReference? reference, string label)
    {
        if (reference == null) return System.IO.Path.GetFileNameWithoutExtension(label) + "-fs";
        var name = reference.Repository.Split('/').Last();
        return name + "-" + (reference.Tag ?? reference.Digest!.Substring(7, 12));
    }

    private static ErrorRecord ToErrorRecord(Exception e, string target) => e switch
    {
        UnsafeEntryException u => new ErrorRecord(u, "UnsafeArchiveEntry", ErrorCategory.SecurityError, u.Entry),
        CseAirgapException or FormatException or DigestMismatchException => RegistryErrors.ToErrorRecord(e, target),
        InvalidDataException => new ErrorRecord(e, "InvalidArchive", ErrorCategory.InvalidData, target),
        _ => new ErrorRecord(e, "ExpandFailed", ErrorCategory.WriteError, target),
    };
}
