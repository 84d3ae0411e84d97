namespace CseAirgap.Engine.Failures;

/// <summary>
/// Bytes that arrived did not hash to the digest that named them: a corrupt transfer, worth one more try (the transfer
/// layer starts the blob again), and an error when it stays so. The message is the bare fact: callers embed it in
/// theirs, which names the image and what to do.
/// </summary>
public sealed class DigestMismatchException : CseAirgapException
{
    public DigestMismatchException(string expected, string actual, long bytes)
        : base("DigestMismatch", FailureCategory.InvalidData, expected,
            $"expected {expected} but the {bytes} bytes received hash to {actual}")
    {
        Expected = expected;
        Actual = actual;
    }

    public string Expected { get; }
    public string Actual { get; }
}
