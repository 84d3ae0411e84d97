using System;
using System.Management.Automation;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>The one place engine failures become error records: the exception's stable ID and category, the target kept.</summary>
internal static class RegistryErrors
{
    public static ErrorRecord ToErrorRecord(Exception e, object target)
    {
        if (e is AggregateException a && a.InnerExceptions.Count == 1) e = a.InnerExceptions[0];
        if (e is CseAirgapException known)
            return new ErrorRecord(known, known.ErrorId, CategoryOf(known.Category), target);
        if (e is DigestMismatchException)
            return new ErrorRecord(e, "DigestMismatch", ErrorCategory.InvalidData, target);
        if (e is FormatException)
            return new ErrorRecord(e, "InvalidReference", ErrorCategory.InvalidArgument, target);
        return new ErrorRecord(e, "PublishFailed", ErrorCategory.NotSpecified, target);
    }

    /// <summary>FailureCategory names are ErrorCategory names, by design.</summary>
    public static ErrorCategory CategoryOf(FailureCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
}
