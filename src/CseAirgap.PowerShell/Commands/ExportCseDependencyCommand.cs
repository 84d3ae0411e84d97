using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using CseAirgap.Engine.Copy;
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
public sealed class ExportCseDependencyCommand : CopyCmdlet
{
    private readonly List<ImageReference> _pending = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [DependencyTransformation]
    public CseDependency[] Dependency { get; set; } = null!;

    /// <summary>A folder (resumable), or a file ending in .tar (streamed; split with -MaxPartSize).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>For a .tar: split it into numbered parts of at most this many bytes. On FAT32, 4095 MiB unless given (and no more than 4 GiB - 1).</summary>
    [Parameter]
    [ValidateRange(1048576, long.MaxValue)]
    public long MaxPartSize { get; set; }

    private string Target => SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);

    private bool AsTar => Target.EndsWith(".tar", StringComparison.OrdinalIgnoreCase);

    protected override void BeginProcessing()
    {
        if (MaxPartSize > 0 && !AsTar)
            ThrowTerminatingError(CmdletErrors.InvalidArgument("MaxPartSizeNeedsTar", "-MaxPartSize splits a .tar export: give a -Path that ends in .tar.", Path));
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        foreach (var d in Dependency)
            if (ShouldProcess($"{Target}:{d.Reference}", $"Export {d.Reference}")) _pending.Add(d.ToImageReference());
    }

    protected override void EndProcessing()
    {
        if (_pending.Count == 0) return;
        var path = Target;
        using var session = new RegistrySession(Settings);
        var sources = CreateSourceAccess(session);
        foreach (var source in _pending) sources.Name(source);
        var jobs = _pending.Select(source => new ImageCopyJob(source, sources.Open(source), source)).ToList();

        LayoutDestination target;
        try
        {
            target = AsTar
                ? new TarExportTarget(path, ExportPartSize.Choose(path, MaxPartSize, VolumeFileSystem.OfThisMachine, Settings.Log))
                : new FolderExportTarget(path, Settings.Log);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            // The file system refused the path itself (no such drive, no rights): nothing was written.
            ThrowTerminatingError(CmdletErrors.Refused(e, "ExportPathUnusable", ErrorCategory.WriteError, path));
            return;
        }
        catch (CseAirgapException e)
        {
            // The folder holds an export whose index.json is damaged or hostile.
            ThrowTerminatingError(CmdletErrors.From(e, path));
            return;
        }
        using (target)
            Copy(target, jobs, sources.Open, $"Exporting to {path}", o => $"{path}:{o.Job.Source}");
    }
}
