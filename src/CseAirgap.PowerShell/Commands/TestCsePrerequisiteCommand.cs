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
[Cmdlet(VerbsDiagnostic.Test, "CsePrerequisite")]
[OutputType(typeof(CseCheckResult))]
public sealed class TestCsePrerequisiteCommand : AsyncCmdlet, IDestinationParameters, ITransportParameters
{

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

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CaCertificate { get; set; }

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>How long one request may keep being told to wait (429, 503 with Retry-After) before it fails.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int RetryBudgetSec { get; set; } = 300;

    /// <summary>The longest silence of a registry: for an answer to begin, and between the bytes of a body.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int StallTimeoutSec { get; set; } = 60;

    protected override void EndProcessing()
    {
        RegistryAddress address;
        RegistrySessionOptions options;
        Uri? docker = null;
        try
        {
            address = RegistryAddress.Parse(Registry);
            options = RegistryParameters.SessionOptions(this, CaCertificate, SkipCertificateCheck, VerboseSink);
            if (DockerHost != null) docker = DockerEndpoint.Resolve(DockerHost);
            if (VcdEndpoint != null && !VcdEndpoint.IsAbsoluteUri) throw new FormatException($"'{VcdEndpoint}' is not an absolute URL: write https://vcd.corp.local.");
        }
        catch (Exception e) when (e is RegistryException || e is FormatException || e is PSArgumentException)
        {
            ThrowTerminatingError(RegistryParameters.SettingsError(e, Registry));
            return;
        }

        using var session = new RegistrySession(options);
        var inspector = new PrerequisiteInspector(address, session.For(address, RegistryParameters.CredentialFor(Credential, address.Host)), options.Trust);
        var cwd = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var results = Run(ct => inspector.InspectAsync(VcdEndpoint, docker, cwd, ct));
        WriteObject(CheckResults.ToOutput(results), enumerateCollection: true);
    }
}
