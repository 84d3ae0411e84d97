using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>What went wrong with a registry, in terms an admin can act on; each kind has one error ID.</summary>
public enum RegistryErrorKind
{
    InvalidInput,
    /// <summary>A registry address (-Registry, a mirror) that is not one.</summary>
    InvalidRegistry,
    /// <summary>A manifest (tag or digest) the registry does not have.</summary>
    NotFound,
    /// <summary>A blob (layer or config) the repository does not have.</summary>
    BlobNotFound,
    /// <summary>A repository whose tag list the registry does not have (the repository does not exist).</summary>
    TagListNotFound,
    AuthenticationRequired,
    AuthenticationFailed,
    PushDenied,
    Unreachable,
    CertificateUntrusted,
    DigestMismatch,
    UnsupportedMediaType,
    ProtocolError,
    /// <summary>No connection, no answer, or no body byte within the configured time.</summary>
    Timeout,
    /// <summary>429 for longer than the retry budget.</summary>
    RateLimited,
    /// <summary>A paginated list whose Link leads back to a page already read.</summary>
    PagingLoop,
    /// <summary>A paginated list longer than the most pages the module follows.</summary>
    PagingLimit,
    /// <summary>A token service over plain HTTP for a registry reached over HTTPS: credentials are not sent there.</summary>
    InsecureTokenRealm,
    /// <summary>A proxy on the way that asks for a login (407) the module was not given or that it refused.</summary>
    ProxyAuthenticationRequired,
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

    /// <summary>
    /// The transport could not retry this itself (a body cut or stalled midway, a streaming upload refused for a
    /// while): the transfer may be started again from the beginning. False for what the transport already retried.
    /// </summary>
    public bool TransferMayRestart { get; set; }

    private static string IdOf(RegistryErrorKind kind) => kind switch
    {
        RegistryErrorKind.InvalidInput => "InvalidInput",
        RegistryErrorKind.InvalidRegistry => "InvalidRegistry",
        RegistryErrorKind.NotFound => "ManifestNotFound",
        RegistryErrorKind.BlobNotFound => "BlobNotFound",
        RegistryErrorKind.TagListNotFound => "TagListNotFound",
        RegistryErrorKind.AuthenticationRequired => "RegistryAuthenticationRequired",
        RegistryErrorKind.AuthenticationFailed => "RegistryAuthenticationFailed",
        RegistryErrorKind.PushDenied => "RegistryPushDenied",
        RegistryErrorKind.Unreachable => "RegistryUnreachable",
        RegistryErrorKind.CertificateUntrusted => "RegistryCertificateUntrusted",
        RegistryErrorKind.DigestMismatch => "DigestMismatch",
        RegistryErrorKind.UnsupportedMediaType => "UnsupportedMediaType",
        RegistryErrorKind.Timeout => "RegistryTimeout",
        RegistryErrorKind.RateLimited => "RegistryRateLimited",
        RegistryErrorKind.PagingLoop => "RegistryPagingLoop",
        RegistryErrorKind.PagingLimit => "RegistryPagingLimit",
        RegistryErrorKind.InsecureTokenRealm => "RegistryInsecureTokenRealm",
        RegistryErrorKind.ProxyAuthenticationRequired => "ProxyAuthenticationRequired",
        _ => "RegistryProtocolError",
    };

    private static FailureCategory CategoryOf(RegistryErrorKind kind) => kind switch
    {
        RegistryErrorKind.InvalidInput => FailureCategory.InvalidArgument,
        RegistryErrorKind.InvalidRegistry => FailureCategory.InvalidArgument,
        RegistryErrorKind.NotFound => FailureCategory.ObjectNotFound,
        RegistryErrorKind.BlobNotFound => FailureCategory.ObjectNotFound,
        RegistryErrorKind.TagListNotFound => FailureCategory.ObjectNotFound,
        RegistryErrorKind.AuthenticationRequired => FailureCategory.AuthenticationError,
        RegistryErrorKind.AuthenticationFailed => FailureCategory.AuthenticationError,
        RegistryErrorKind.PushDenied => FailureCategory.PermissionDenied,
        RegistryErrorKind.Unreachable => FailureCategory.ConnectionError,
        RegistryErrorKind.CertificateUntrusted => FailureCategory.SecurityError,
        RegistryErrorKind.DigestMismatch => FailureCategory.InvalidData,
        RegistryErrorKind.UnsupportedMediaType => FailureCategory.NotImplemented,
        RegistryErrorKind.Timeout => FailureCategory.OperationTimeout,
        RegistryErrorKind.RateLimited => FailureCategory.ResourceUnavailable,
        RegistryErrorKind.PagingLoop => FailureCategory.InvalidData,
        RegistryErrorKind.PagingLimit => FailureCategory.LimitsExceeded,
        RegistryErrorKind.InsecureTokenRealm => FailureCategory.SecurityError,
        RegistryErrorKind.ProxyAuthenticationRequired => FailureCategory.AuthenticationError,
        _ => FailureCategory.ProtocolError,
    };
}
