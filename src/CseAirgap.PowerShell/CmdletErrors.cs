using System;
using System.IO;
using System.Management.Automation;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>
/// The one place in the cmdlet assembly that builds an <see cref="ErrorRecord"/> (a test scans the sources for any
/// other): engine failures keep their stable ID and category, the cmdlets' own refusals of bad input get theirs, and
/// anything unexplained is <see cref="Unexpected"/>, the same for every cmdlet.
/// </summary>
internal static class CmdletErrors
{
    /// <summary>The ID of a failure nobody explained: a defect to report, not an input to fix.</summary>
    public const string Unexpected = "UnexpectedFailure";

    /// <summary>A -Registry that is not host[:port][/prefix]: one ID in every cmdlet that takes one.</summary>
    public const string InvalidRegistry = "InvalidRegistry";

    /// <summary>Trust, mirror or transport settings that stop a command before any work (a missing CA file, a bad mirror).</summary>
    public const string InvalidRegistrySettings = "InvalidRegistrySettings";

    /// <summary>A -SourceCredential that is neither one credential nor a hashtable of host to credential.</summary>
    public const string InvalidSourceCredential = "InvalidSourceCredential";

    /// <summary>A -Proxy that is not an HTTP proxy's address, or -NoProxy together with -Proxy/-ProxyCredential.</summary>
    public const string InvalidProxy = "InvalidProxy";

    /// <summary>
    /// Whether the engine can explain <paramref name="e"/>: its own failures, plus the few it still raises as framework
    /// exceptions (a reference that does not parse, an archive that is not one). The
    /// filter of every catch around engine work, so that a defect still surfaces as what it is.
    /// </summary>
    public static bool IsExplained(Exception e)
    {
        if (e is AggregateException a && a.InnerExceptions.Count == 1) e = a.InnerExceptions[0];
        return e is CseAirgapException || e is FormatException || e is InvalidDataException;
    }

    /// <summary>The error record of an engine failure about <paramref name="target"/> (a reference, file or registry).</summary>
    public static ErrorRecord From(Exception e, object? target)
    {
        if (e is AggregateException a && a.InnerExceptions.Count == 1) e = a.InnerExceptions[0];
        return e switch
        {
            // The entry is what was refused, not the archive: the user looks for it in the listing.
            UnsafeEntryException u => new ErrorRecord(u, u.ErrorId, CategoryOf(u.Category), u.Entry),
            CseAirgapException known => new ErrorRecord(known, known.ErrorId, CategoryOf(known.Category), target),
            FormatException => new ErrorRecord(e, "InvalidReference", ErrorCategory.InvalidArgument, target),
            InvalidDataException => new ErrorRecord(e, "InvalidArchive", ErrorCategory.InvalidData, target),
            _ => new ErrorRecord(e, Unexpected, ErrorCategory.NotSpecified, target),
        };
    }

    /// <summary>A settings failure that stops the command before any work, under the one settings ID.</summary>
    public static ErrorRecord Settings(Exception e, object? target) =>
        new(e is PSArgumentException ? e : new PSArgumentException(e.Message, e), InvalidRegistrySettings, ErrorCategory.InvalidArgument, target);

    /// <summary>A parameter value the cmdlet refuses (PowerShell's binding could not tell), with a message that says what to write.</summary>
    public static ErrorRecord InvalidArgument(string errorId, string message, object? target, Exception? inner = null) =>
        new(new PSArgumentException(message, inner), errorId, ErrorCategory.InvalidArgument, target);

    /// <summary>A local condition the cmdlet refuses (a destination not empty, a file missing), with its own ID and category.</summary>
    public static ErrorRecord Refused(Exception e, string errorId, ErrorCategory category, object? target) =>
        new(e, errorId, category, target);

    /// <summary>FailureCategory names are ErrorCategory names, by design.</summary>
    public static ErrorCategory CategoryOf(FailureCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
}
