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
/// <remarks>
/// Not a <see cref="PublishingCmdlet"/>: it copies nothing, and its -Registry is positional (the registry is what it
/// tests) where the publishers' is not; a parameter's position is part of its one declaration, so it declares -Registry,
/// -Credential and -SourceSkipCertificateCheck itself and hands -Registry to the base to parse.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "CseRegistryLayout")]
[OutputType(typeof(CseCheckResult), typeof(bool))]
public sealed class TestCseRegistryLayoutCommand : SourceRegistryCmdlet
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

    protected override string? RegistryArgument => Registry;

    protected override bool SkipSourceCertificateCheck => SourceSkipCertificateCheck;

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
        var address = TargetRegistry!;
        using var session = new RegistrySession(Settings);
        using var anonymous = new RegistrySession(Settings);
        var sources = CreateSourceAccess(session);
        foreach (var dependency in _dependencies) sources.Name(dependency);
        var inspector = new LayoutInspector(address,
            session.For(address, DestinationCredential(Credential, address)),
            anonymous.For(address, null),
            source =>
            {
                var from = sources.OpenFirst(source);
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
            ThrowTerminatingError(CmdletErrors.From(e, Registry));
            return;
        }
        var results = CheckResults.ToOutput(checks);
        if (Quiet) WriteObject(results.All(r => r.Status != CseCheckStatus.Failed));
        else WriteObject(results, enumerateCollection: true);
    }

}
