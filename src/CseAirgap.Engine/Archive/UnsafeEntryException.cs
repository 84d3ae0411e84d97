using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Archive;

/// <summary>An archive entry that would write outside the destination; nothing of the archive is kept.</summary>
public sealed class UnsafeEntryException : CseAirgapException
{
    public UnsafeEntryException(string entry, string reason)
        : base("UnsafeArchiveEntry", FailureCategory.SecurityError, entry,
            $"The archive entry '{entry}' was refused: {reason}. Nothing was written outside the destination, and the extraction was abandoned.")
    {
        Entry = RemoteText.Escape(entry);
    }

    /// <summary>The entry's name as the archive gives it, control characters escaped (it becomes the error's target).</summary>
    public string Entry { get; }
}
