using System;

namespace CseAirgap.Engine.Registry;

/// <summary>What went wrong, in terms an admin can act on; the cmdlets map it to an ErrorCategory and an error ID.</summary>
public enum RegistryErrorKind
{
    InvalidInput,
    NotFound,
    AuthenticationRequired,
    AuthenticationFailed,
    PushDenied,
    Unreachable,
    CertificateUntrusted,
    DigestMismatch,
    UnsupportedMediaType,
    ProtocolError,
}

/// <summary>A registry operation that failed; the message names the target and says what to do, and never holds a secret.</summary>
public sealed class RegistryException : Exception
{
    public RegistryException(RegistryErrorKind kind, string target, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public RegistryErrorKind Kind { get; }

    /// <summary>The reference, repository or registry the failure is about.</summary>
    public string Target { get; }
}
