using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Docker;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>The procedure's prerequisites, checked before starting: DNS, reachability, trusted TLS, push rights, Docker, disk.</summary>
/// <remarks>
/// A <see cref="RegistryCmdlet"/>, not a <see cref="PublishingCmdlet"/>: it reads no source images, and its -Registry is
/// positional; it declares -Registry and -Credential itself and hands -Registry to the base to parse.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "CsePrerequisite")]
[OutputType(typeof(CseCheckResult))]
public sealed class TestCsePrerequisiteCommand : RegistryCmdlet
{
    private Uri? _docker;

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
    }
}
