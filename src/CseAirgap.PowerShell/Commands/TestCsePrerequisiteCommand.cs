using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Catalog;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Docker;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The procedure's prerequisites, checked before starting: DNS, reachability, trusted TLS, push rights, Docker, disk,
/// and every source the run reads (through its mirrors and moved hosts) with a pull of one known image.
/// </summary>
/// <remarks>
/// A <see cref="SourceRegistryCmdlet"/> (its sources are read as the copy reads them: -SourceMirror, -SourceCredential,
/// -NoRelocation), not a <see cref="PublishingCmdlet"/>: its -Registry is positional; it declares -Registry and
/// -Credential itself and hands -Registry to the base to parse.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "CsePrerequisite")]
[OutputType(typeof(CseCheckResult))]
public sealed class TestCsePrerequisiteCommand : SourceRegistryCmdlet
{
    private Uri? _docker;
    private readonly List<ImageReference> _sourceImages = new();

    /// <summary>
    /// The known images whose sources are checked (one per source host is enough); by default the newest
    /// getting-started image of the catalog, on VMware's host as its files name it.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? SourceImage { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    /// <summary>The VCD public endpoint the bootstrap VM and clusters call, such as https://vcd.corp.local.</summary>
    [Parameter]
    public Uri? VcdEndpoint { get; set; }

    /// <summary>Check this Docker engine too (only when given).</summary>
    [Parameter]
    public string? DockerHost { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override string? RegistryArgument => Registry;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        foreach (var text in SourceImage ?? new[] { AirgapImageCatalog.All[AirgapImageCatalog.All.Count - 1].Reference })
        {
            if (!ImageReference.TryParse(text, out var image, out var error))
                ThrowTerminatingError(CmdletErrors.InvalidArgument("InvalidSourceImage", $"-SourceImage: {error}", text));
            _sourceImages.Add(image!);
        }
        if (VcdEndpoint != null && !VcdEndpoint.IsAbsoluteUri)
            ThrowTerminatingError(CmdletErrors.InvalidArgument("InvalidVcdEndpoint", $"'{VcdEndpoint}' is not an absolute URL: write https://vcd.corp.local.", VcdEndpoint));
        if (DockerHost == null) return;
        try
        {
            _docker = DockerEndpoint.Resolve(DockerHost);
        }
        catch (InvalidDockerHostException e)
        {
            ThrowTerminatingError(CmdletErrors.From(e, DockerHost));
        }
    }

    protected override void EndProcessing()
    {
        var address = TargetRegistry!;
        using var session = new RegistrySession(Settings);
        var inspector = new PrerequisiteInspector(address, session.For(address, DestinationCredential(Credential, address)), Settings.Trust);
        var cwd = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var results = Run(ct => inspector.InspectAsync(VcdEndpoint, _docker, cwd, ct));
        WriteObject(CheckResults.ToOutput(results), enumerateCollection: true);
        var sources = CreateSourceAccess(session);
        foreach (var image in _sourceImages) sources.Name(image);
        var sourceChecks = new SourceInspector(sources.Routes, sources.ClientFor, Settings.Trust);
        WriteObject(CheckResults.ToOutput(Run(ct => sourceChecks.InspectAsync(_sourceImages, ct))), enumerateCollection: true);
    }
}
