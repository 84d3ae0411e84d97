using System;
using System.Management.Automation;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>Maps engine failures to error records with stable IDs and real categories.</summary>
internal static class RegistryErrors
{
    public static ErrorRecord ToErrorRecord(Exception e, object target)
    {
        if (e is AggregateException a && a.InnerExceptions.Count == 1) e = a.InnerExceptions[0];
        if (e is RegistryException r)
        {
            var (id, category) = r.Kind switch
            {
                RegistryErrorKind.InvalidInput => ("InvalidInput", ErrorCategory.InvalidArgument),
                RegistryErrorKind.NotFound => ("ManifestNotFound", ErrorCategory.ObjectNotFound),
                RegistryErrorKind.AuthenticationRequired => ("RegistryAuthenticationRequired", ErrorCategory.AuthenticationError),
                RegistryErrorKind.AuthenticationFailed => ("RegistryAuthenticationFailed", ErrorCategory.AuthenticationError),
                RegistryErrorKind.PushDenied => ("RegistryPushDenied", ErrorCategory.PermissionDenied),
                RegistryErrorKind.Unreachable => ("RegistryUnreachable", ErrorCategory.ConnectionError),
                RegistryErrorKind.CertificateUntrusted => ("RegistryCertificateUntrusted", ErrorCategory.SecurityError),
                RegistryErrorKind.DigestMismatch => ("DigestMismatch", ErrorCategory.InvalidData),
                RegistryErrorKind.UnsupportedMediaType => ("UnsupportedMediaType", ErrorCategory.NotImplemented),
                _ => ("RegistryProtocolError", ErrorCategory.ProtocolError),
            };
            return new ErrorRecord(r, id, category, target);
        }
        if (e is DigestMismatchException)
            return new ErrorRecord(e, "DigestMismatch", ErrorCategory.InvalidData, target);
        if (e is FormatException)
            return new ErrorRecord(e, "InvalidReference", ErrorCategory.InvalidArgument, target);
        return new ErrorRecord(e, "PublishFailed", ErrorCategory.NotSpecified, target);
    }
}
