using System.Management.Automation;
using System.Threading;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The parameters every cmdlet that reads source images shares (mirror, source credential, trust), and the
/// cancellation that Ctrl+C triggers.
/// </summary>
public abstract class SourceRegistryCmdlet : PSCmdlet
{
    private protected readonly CancellationTokenSource Cancellation = new();

    /// <summary>A mirror for every source host (string), or a hashtable of source host to mirror.</summary>
    [Parameter]
    public object? SourceMirror { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? SourceCredential { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CaCertificate { get; set; }

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void StopProcessing() => Cancellation.Cancel();
}
