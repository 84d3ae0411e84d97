using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Tkg;

/// <summary>
/// A YAML document past one of <see cref="YamlLimits"/>: refused like a document past its size cap (error ID
/// ContentTooLarge), with the limit named.
/// </summary>
public sealed class YamlTooComplexException : CseAirgapException
{
    public YamlTooComplexException(string target, string what, string limitName, long limit)
        : base("ContentTooLarge", FailureCategory.LimitsExceeded, target,
            $"{target} {what} ({limitName} {limit:N0}), the most this module reads; no real BOM, compatibility list or imgpkg lock comes close. " +
            "The source may be damaged or hostile: check it.")
    {
        LimitName = limitName;
        Limit = limit;
    }

    /// <summary>MaxDepth or MaxNodes.</summary>
    public string LimitName { get; }

    public long Limit { get; }
}
