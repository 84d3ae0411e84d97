namespace CseAirgap.PowerShell.Output;

public enum CseCheckStatus
{
    Passed,
    Warning,
    Failed,
}

/// <summary>One check of Test-CseRegistryLayout or Test-CsePrerequisite.</summary>
public sealed class CseCheckResult
{
    internal CseCheckResult(string check, string target, CseCheckStatus status, string detail, string statusSummary)
    {
        Check = check;
        Target = target;
        Status = status;
        Detail = detail;
        StatusSummary = statusSummary;
    }

    public string Check { get; }
    public string Target { get; }
    public CseCheckStatus Status { get; }

    /// <summary>What was found, and what to do when it is not right.</summary>
    public string Detail { get; }

    /// <summary>"Failed: 2 of 14 checks": the group heading of the default view.</summary>
    public string StatusSummary { get; }
}
