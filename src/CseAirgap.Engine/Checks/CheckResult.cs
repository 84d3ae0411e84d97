namespace CseAirgap.Engine.Checks;

public enum CheckStatus
{
    Passed,
    Warning,
    Failed,
}

/// <summary>One verdict of a layout or prerequisite check: what was checked, on what, and what to do if it failed.</summary>
public sealed class CheckResult
{
    public CheckResult(string check, string target, CheckStatus status, string detail)
    {
        Check = check;
        Target = target;
        Status = status;
        Detail = detail;
    }

    public string Check { get; }
    public string Target { get; }
    public CheckStatus Status { get; }
    public string Detail { get; }
}
