namespace CseAirgap.PowerShell.Output;

/// <summary>
/// Which of CSE's certificate lists -Certificate goes to. A cmdlets-assembly copy of the engine's enum: parameter types
/// are resolved when the module is imported, before the engine can be loaded from Dependencies/.
/// </summary>
public enum CseCertificateScope
{
    Both,
    Bootstrap,
    Cluster,
}
