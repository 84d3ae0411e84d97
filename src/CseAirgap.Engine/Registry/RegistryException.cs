using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>What went wrong with a registry, in terms an admin can act on; each kind has one error ID.</summary>
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
public sealed class RegistryException : CseAirgapException
{
    public RegistryException(RegistryErrorKind kind, string target, string message, Exception? inner = null)
        : base(IdOf(kind), CategoryOf(kind), target, message, inner)
    {
        Kind = kind;
    }

    public RegistryErrorKind Kind { get; }

    private static string IdOf(RegistryErrorKind kind) => kind switch
    {
        RegistryErrorKind.InvalidInput => "InvalidInput",
        RegistryErrorKind.NotFound => "ManifestNotFound",
        RegistryErrorKind.AuthenticationRequired => "RegistryAuthenticationRequired",
        RegistryErrorKind.AuthenticationFailed => "RegistryAuthenticationFailed",
        RegistryErrorKind.PushDenied => "RegistryPushDenied",
        RegistryErrorKind.Unreachable => "RegistryUnreachable",
        RegistryErrorKind.CertificateUntrusted => "RegistryCertificateUntrusted",
        RegistryErrorKind.DigestMismatch => "DigestMismatch",
        RegistryErrorKind.UnsupportedMediaType => "UnsupportedMediaType",
        _ => "RegistryProtocolError",
    };

    private static FailureCategory CategoryOf(RegistryErrorKind kind) => kind switch
    {
        RegistryErrorKind.InvalidInput => FailureCategory.InvalidArgument,
        RegistryErrorKind.NotFound => FailureCategory.ObjectNotFound,
        RegistryErrorKind.AuthenticationRequired => FailureCategory.AuthenticationError,
        RegistryErrorKind.AuthenticationFailed => FailureCategory.AuthenticationError,
        RegistryErrorKind.PushDenied => FailureCategory.PermissionDenied,
        RegistryErrorKind.Unreachable => FailureCategory.ConnectionError,
        RegistryErrorKind.CertificateUntrusted => FailureCategory.SecurityError,
        RegistryErrorKind.DigestMismatch => FailureCategory.InvalidData,
        RegistryErrorKind.UnsupportedMediaType => FailureCategory.NotImplemented,
        _ => FailureCategory.ProtocolError,
    };
}
