using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Export;

/// <summary>A file an export should hold is not there (a blob, a manifest, an image a bundle needs, index.json).</summary>
public sealed class ExportIncompleteException : CseAirgapException
{
    public ExportIncompleteException(string export, string missing, string message)
        : base("ExportIncomplete", FailureCategory.ObjectNotFound, missing, message)
    {
        Export = export;
    }

    /// <summary>The export that lacks it.</summary>
    public string Export { get; }
}
