using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Proof that a registry is ready for CSE: layout, plug-in inventory, every dependency present, identical and pullable.</summary>
[Cmdlet(VerbsDiagnostic.Test, "CseRegistryLayout")]
[OutputType(typeof(CseCheckResult), typeof(bool))]
public sealed class TestCseRegistryLayoutCommand : SourceRegistryCmdlet, IDestinationParameters, ISourceTrustParameters
{
    private readonly List<ImageReference> _dependencies = new();
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    /// <summary>Accept any TLS certificate from the sources and mirrors (-SkipCertificateCheck covers -Registry only).</summary>
    [Parameter]
    public SwitchParameter SourceSkipCertificateCheck { get; set; }

    [Parameter(ValueFromPipeline = true)]
    [DependencyTransformation]
    public CseDependency[]? Dependency { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Only $true (nothing failed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var d in Dependency ?? Array.Empty<CseDependency>())
            if (d.Enabled) _dependencies.Add(d.ToImageReference());
    }

    protected override void EndProcessing()
    {
        RegistryAddress address;
        try
        {
            address = RegistryAddress.Parse(Registry);
        }
        catch (Exception e) when (e is FormatException || e is RegistryException)
        {
            ThrowTerminatingError(RegistryParameters.SettingsError(e, Registry));
            return;
        }
        var (options, mirrors) = RegistryParameters.Create(this, VerboseSink, CaCertificate, SkipCertificateCheck, SourceMirror);

        using var session = new RegistrySession(options);
        using var anonymous = new RegistrySession(options);
        var inspector = new LayoutInspector(address,
            session.For(address, RegistryParameters.CredentialFor(Credential, address.Host)),
            anonymous.For(address, null),
            source =>
            {
                var from = (RegistryImageSource)RegistryParameters.SourceOpener(session, mirrors, SourceCredential)(source);
                return (from.Client, from.Fetch);
            });
        IReadOnlyList<CheckResult> checks;
        try
        {
            checks = Run(ct => inspector.InspectAsync(_dependencies.Distinct().ToList(), ct));
        }
        catch (CseAirgap.Engine.Failures.CseAirgapException e)
        {
            // The registry itself misbehaved (a paging loop, an oversized answer): no check result can stand for that.
            ThrowTerminatingError(RegistryErrors.ToErrorRecord(e, Registry));
            return;
        }
        var results = CheckResults.ToOutput(checks);
        if (Quiet) WriteObject(results.All(r => r.Status != CseCheckStatus.Failed));
        else WriteObject(results, enumerateCollection: true);
    }

}
