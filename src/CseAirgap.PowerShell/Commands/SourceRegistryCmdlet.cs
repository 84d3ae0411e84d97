using System.Management.Automation;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The parameters every cmdlet that reads source images shares (mirror, source credential, trust); cancellation,
/// the write queue and progress come from <see cref="AsyncCmdlet"/>.
/// </summary>
public abstract class SourceRegistryCmdlet : AsyncCmdlet, ITransportParameters
{
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

    /// <summary>How long one request may keep being told to wait (429, 503 with Retry-After) before it fails.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int RetryBudgetSec { get; set; } = 300;

    /// <summary>The longest silence of a registry: for an answer to begin, and between the bytes of a body.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int StallTimeoutSec { get; set; } = 60;
}
