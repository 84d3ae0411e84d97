using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Export;

/// <summary>A file of an export that is not a regular file inside it (a symbolic link, a device, a pipe): never read.</summary>
public sealed class UnsafeExportFileException : CseAirgapException
{
    public UnsafeExportFileException(string file, string reason)
        : base("UnsafeExportFile", FailureCategory.SecurityError, file,
            $"The export file '{file}' was refused: {reason}. An export holds only regular files; this one was damaged or tampered with. " +
            "Nothing was read through it. Export again from the source.")
    {
    }
}
