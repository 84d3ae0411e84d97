using System.Management.Automation;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The base of the cmdlets that copy into a registry: -Registry (the destination base), -Credential (its account)
/// and -SourceSkipCertificateCheck (then -SkipCertificateCheck covers -Registry alone), declared once.
/// </summary>
public abstract class PublishingCmdlet : CopyCmdlet
{
    /// <summary>The destination base: host[:port][/prefix]; HTTPS unless written http://.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any TLS certificate from the sources and mirrors (-SkipCertificateCheck covers -Registry only).</summary>
    [Parameter]
    public SwitchParameter SourceSkipCertificateCheck { get; set; }

    protected override string? RegistryArgument => Registry;

    protected override bool SkipSourceCertificateCheck => SourceSkipCertificateCheck;

    /// <summary>The parsed -Registry (BeginProcessing refused any other).</summary>
    protected RegistryAddress Base => TargetRegistry!;

    /// <summary>The destination registry through <paramref name="session"/>, with -Credential or the Docker config's login for it.</summary>
    protected RegistryClient DestinationClient(RegistrySession session) => session.For(Base, DestinationCredential(Credential, Base));
}
