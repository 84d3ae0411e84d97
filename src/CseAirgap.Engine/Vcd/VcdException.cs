using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Vcd;

/// <summary>What went wrong talking to VMware Cloud Director or with CSE's configuration there; each kind has one error ID.</summary>
public enum VcdErrorKind
{
    /// <summary>The -Server value is not an https address of a VCD.</summary>
    InvalidServer,
    /// <summary>http:// was given: a password or API token would cross the network in clear.</summary>
    InsecureConnection,
    Unreachable,
    CertificateUntrusted,
    /// <summary>The credential or API token was refused (401, or an OAuth invalid_grant).</summary>
    AuthenticationFailed,
    /// <summary>The session is not a System organisation (provider) session: only a provider may read or change CSE's settings.</summary>
    NotProvider,
    /// <summary>403: a provider session without the rights on the VCDKEConfig entity type.</summary>
    AccessDenied,
    /// <summary>No API version of 35.0 or later is listed, or the one picked is refused (406).</summary>
    ApiVersionUnsupported,
    /// <summary>No vcdKeConfig entity (CSE is not installed, or not 4.1/4.2).</summary>
    ConfigurationNotFound,
    /// <summary>Someone changed a field this command was asked to set since it was read.</summary>
    ConfigurationConflict,
    /// <summary>A value that would make CSE's configuration wrong (a scheme, a trailing /tkg, an unparsable certificate ...).</summary>
    InvalidConfiguration,
    /// <summary>An answer that is not what the documented API gives.</summary>
    ProtocolError,
    /// <summary>The backup of the entity could not be written: nothing was changed.</summary>
    BackupFailed,
}

/// <summary>A VCD or CSE-configuration failure: the message names the server or field and says what to do, and never holds a secret.</summary>
public class VcdException : CseAirgapException
{
    public VcdException(VcdErrorKind kind, string target, string message, Exception? inner = null)
        : base(IdOf(kind), CategoryOf(kind), target, message, inner)
    {
        Kind = kind;
    }

    public VcdErrorKind Kind { get; }

    public static string IdOf(VcdErrorKind kind) => kind switch
    {
        VcdErrorKind.InvalidServer => "InvalidVcdServer",
        VcdErrorKind.InsecureConnection => "InsecureVcdConnection",
        VcdErrorKind.Unreachable => "VcdUnreachable",
        VcdErrorKind.CertificateUntrusted => "VcdCertificateUntrusted",
        VcdErrorKind.AuthenticationFailed => "VcdAuthenticationFailed",
        VcdErrorKind.NotProvider => "VcdNotProvider",
        VcdErrorKind.AccessDenied => "VcdAccessDenied",
        VcdErrorKind.ApiVersionUnsupported => "VcdApiVersionUnsupported",
        VcdErrorKind.ConfigurationNotFound => "CseConfigurationNotFound",
        VcdErrorKind.ConfigurationConflict => "CseConfigurationConflict",
        VcdErrorKind.InvalidConfiguration => "InvalidCseConfiguration",
        VcdErrorKind.BackupFailed => "CseConfigurationBackupFailed",
        _ => "VcdProtocolError",
    };

    private static FailureCategory CategoryOf(VcdErrorKind kind) => kind switch
    {
        VcdErrorKind.InvalidServer => FailureCategory.InvalidArgument,
        VcdErrorKind.InsecureConnection => FailureCategory.SecurityError,
        VcdErrorKind.Unreachable => FailureCategory.ConnectionError,
        VcdErrorKind.CertificateUntrusted => FailureCategory.SecurityError,
        VcdErrorKind.AuthenticationFailed => FailureCategory.AuthenticationError,
        VcdErrorKind.NotProvider => FailureCategory.PermissionDenied,
        VcdErrorKind.AccessDenied => FailureCategory.PermissionDenied,
        VcdErrorKind.ApiVersionUnsupported => FailureCategory.NotImplemented,
        VcdErrorKind.ConfigurationNotFound => FailureCategory.ObjectNotFound,
        VcdErrorKind.ConfigurationConflict => FailureCategory.ResourceUnavailable,
        VcdErrorKind.InvalidConfiguration => FailureCategory.InvalidArgument,
        VcdErrorKind.BackupFailed => FailureCategory.ResourceUnavailable,
        _ => FailureCategory.ProtocolError,
    };
}

/// <summary>
/// A 412 whose fresh entity changed a field this command was asked to set: nothing was written; both values are kept
/// so the admin can choose.
/// </summary>
public sealed class CseConfigurationConflictException : VcdException
{
    public CseConfigurationConflictException(string target, string field, string wanted, string theirs)
        : base(VcdErrorKind.ConfigurationConflict, target,
            $"Someone changed {field} of CSE's configuration on {target} while this command ran (in the UI, for example): " +
            $"it is now '{theirs}'; this command would set '{wanted}'. Nothing was written. Run Get-CseServerConfiguration, decide which value is right, and run the command again.")
    {
        Field = field;
        Wanted = wanted;
        Theirs = theirs;
    }

    public string Field { get; }
    public string Wanted { get; }
    public string Theirs { get; }
}
