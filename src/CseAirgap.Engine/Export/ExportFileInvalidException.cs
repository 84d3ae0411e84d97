using System;
using System.Linq;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Export;

/// <summary>
/// A path given as an export that is not a usable one: it does not exist, has no oci-layout file, or its index.json
/// cannot be read or names an image wrongly. A local file problem, not a registry's.
/// </summary>
public sealed class ExportFileInvalidException : CseAirgapException
{
    public ExportFileInvalidException(string export, string message, Exception? inner = null)
        : base("ExportFileInvalid", FailureCategory.InvalidData, export, message, inner)
    {
    }

    /// <summary>Text from an export, fit for a message: control characters replaced, at most 200 characters.</summary>
    public static string Shown(string text)
    {
        var clean = new string(text.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 200 ? clean + "…" : clean;
    }
}
