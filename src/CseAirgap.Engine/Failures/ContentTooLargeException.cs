namespace CseAirgap.Engine.Failures;

/// <summary>A document from outside (manifest, index, token answer, BOM, lock file) larger than any real one.</summary>
public sealed class ContentTooLargeException : CseAirgapException
{
    public ContentTooLargeException(string what, string target, long limit)
        : base("ContentTooLarge", FailureCategory.LimitsExceeded, target,
            $"The {what} of {target} is larger than {Describe(limit)}, the most this module reads for it; no real one is that large. " +
            "The source may be damaged or hostile: check it, or copy this image with another tool.")
    {
        Limit = limit;
    }

    /// <summary>A cap of an expansion (bytes or entries), with a message that names the cap and the parameter that raises it.</summary>
    public ContentTooLargeException(string target, long limit, string message)
        : base("ContentTooLarge", FailureCategory.LimitsExceeded, target, message)
    {
        Limit = limit;
    }

    public long Limit { get; }

    private static string Describe(long bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB"
        : bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KiB"
        : $"{bytes} bytes";
}
