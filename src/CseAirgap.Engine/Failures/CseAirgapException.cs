using System;

namespace CseAirgap.Engine.Failures;

/// <summary>
/// Kinds of failure, named exactly as PowerShell's ErrorCategory values so the cmdlets map them by name in one
/// place, while the engine stays free of System.Management.Automation.
/// </summary>
public enum FailureCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    AuthenticationError,
    PermissionDenied,
    ConnectionError,
    SecurityError,
    NotImplemented,
    ProtocolError,
    LimitsExceeded,
    OperationTimeout,
    ResourceUnavailable,
}

/// <summary>
/// A failure the module can explain: a stable error ID (what scripts match on), a category, the reference, path
/// or host it is about, and a message that says what to do. Never holds a secret. Message and target often quote
/// remote text (an error body, a header, a name from an archive): both are escaped here (<see cref="RemoteText"/>), so
/// no failure of the module can carry a terminal escape to the console, whichever path built it.
/// </summary>
public abstract class CseAirgapException : Exception
{
    protected CseAirgapException(string errorId, FailureCategory category, string target, string message, Exception? inner = null)
        : base(RemoteText.Escape(message), inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = RemoteText.Escape(target);
    }

    public string ErrorId { get; }
    public FailureCategory Category { get; }

    /// <summary>The reference, repository, file or registry the failure is about.</summary>
    public string Target { get; }
}
