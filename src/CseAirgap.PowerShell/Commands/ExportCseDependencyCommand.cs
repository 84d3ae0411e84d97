using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// A true air gap: dependencies exported to an OCI image layout (a folder, a tar, or tar parts) to carry on a disk,
/// then published with Publish-CseDependency -Path on the other side.
/// </summary>
[Cmdlet(VerbsData.Export, "CseDependency", SupportsShouldProcess = true)]
[OutputType(typeof(CsePublishResult))]
public sealed class ExportCseDependencyCommand : SourceRegistryCmdlet
{
    private readonly List<CseDependency> _pending = new();
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [DependencyTransformation]
    public CseDependency[] Dependency { get; set; } = null!;

    /// <summary>A folder (resumable), or a file ending in .tar (streamed; split with -MaxPartSize).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>For a .tar: split it into numbered parts of at most this many bytes. On FAT32, 4095 MiB unless given (and no more than 4 GiB - 1).</summary>
    [Parameter]
    [ValidateRange(1048576, long.MaxValue)]
    public long MaxPartSize { get; set; }

    protected override void ProcessRecord()
    {
        var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        foreach (var d in Dependency)
            if (ShouldProcess($"{target}:{d.Reference}", $"Export {d.Reference}")) _pending.Add(d);
    }

    protected override void EndProcessing()
    {
        if (_pending.Count == 0) return;
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var asTar = path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase);
        if (MaxPartSize > 0 && !asTar)
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException("-MaxPartSize splits a .tar export: give a -Path that ends in .tar."), "MaxPartSizeNeedsTar", ErrorCategory.InvalidArgument, Path));

        var (options, mirrors) = RegistryParameters.Create(this, VerboseSink, CaCertificate, SkipCertificateCheck, SourceMirror);

        using var session = new RegistrySession(options);
        var open = RegistryParameters.SourceOpener(session, mirrors, SourceCredential);
        var jobs = new List<ImageCopyJob>();
        foreach (var dependency in _pending)
        {
            var source = dependency.ToImageReference();
            jobs.Add(new ImageCopyJob(source, open(source), source));
        }

        LayoutDestination target;
        try
        {
            target = asTar
                ? new TarExportTarget(path, ExportPartSize.Choose(path, MaxPartSize, VolumeFileSystem.OfThisMachine, options.Log))
                : new FolderExportTarget(path, options.Log);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ExportPathUnusable", ErrorCategory.WriteError, path));
            return;
        }
        catch (CseAirgapException e)
        {
            // The folder holds an export whose index.json is damaged or hostile.
            ThrowTerminatingError(RegistryErrors.ToErrorRecord(e, path));
            return;
        }
        using (target)
        {
            var exporter = new ImageCopier(target, options.Retry, options.Log, open);
            var progress = new CopyProgress(jobs.Count);
            var activity = $"Exporting to {path}";
            Run(ct => exporter.RunAsync(jobs, ThrottleLimit, progress, o => Post(() => PublishResults.Write(this, o, $"{path}:{o.Job.Source}")), ct),
                () => new ProgressRecord(3, activity,
                    $"{progress.ImagesDone} of {progress.TotalImages} images; {progress.BytesCopied / 1048576.0:0.0} MB written, {progress.BytesReused / 1048576.0:0.0} MB already there")
                { PercentComplete = Math.Min(100, 100 * progress.ImagesDone / Math.Max(1, progress.TotalImages)) });
        }
    }

}
