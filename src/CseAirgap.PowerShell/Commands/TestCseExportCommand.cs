using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Export;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Verifies an export before and after it travels: part checksums, every blob's digest, every image complete.</summary>
[Cmdlet(VerbsDiagnostic.Test, "CseExport")]
[OutputType(typeof(CseCheckResult), typeof(bool))]
public sealed class TestCseExportCommand : AsyncCmdlet
{

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var refusals = new System.Collections.Concurrent.ConcurrentQueue<CseAirgap.Engine.Failures.CseAirgapException>();
        var checks = Run(ct => Task.Run(() => ExportVerifier.Verify(path, ct, refusals.Enqueue), ct));
        // A refused export (a hostile index.json, say) is an error with its own ID, besides the failed check.
        if (!Quiet)
            foreach (var refusal in refusals) WriteError(CmdletErrors.From(refusal, path));
        var results = CheckResults.ToOutput(checks);
        if (Quiet)
        {
            var ok = true;
            foreach (var r in results) ok &= r.Status != CseCheckStatus.Failed;
            WriteObject(ok);
        }
        else WriteObject(results, enumerateCollection: true);
    }
}
