using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// A content digest, parsed once where it enters (a manifest, an index, index.json, a header): <c>sha256:</c> and 64
/// lower-case hex digits, or <c>sha512:</c> and 128. It is the only thing that becomes a blob path or a blob URL,
/// so a hostile "digest" such as <c>sha256:../../x</c> is refused where it is read, before it can name anything.
/// </summary>
public sealed class Digest : IEquatable<Digest>
{
    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
        Value = algorithm + ":" + hex;
    }

    /// <summary>sha256 or sha512.</summary>
    public string Algorithm { get; }

    /// <summary>Lower-case hex digits only: safe as a file name.</summary>
    public string Hex { get; }

    /// <summary>algorithm:hex.</summary>
    public string Value { get; }

    /// <summary>The tag form imgpkg uses: sha256-&lt;hex&gt;.</summary>
    public string TagForm => Algorithm + "-" + Hex;

    /// <summary>
    /// The digest <paramref name="text"/> names; a well-formed digest of an algorithm the module cannot compute (sha384,
    /// blake3, ...) is refused as <see cref="UnsupportedDigestAlgorithmException"/>, never taken on trust.
    /// </summary>
    public static Digest Parse(string? text, string target)
    {
        if (TryParse(text, out var digest)) return digest!;
        if (UnsupportedDigestAlgorithmException.AlgorithmOf(text) is { } algorithm)
            throw new UnsupportedDigestAlgorithmException(algorithm, text!, target);
        throw new InvalidDigestException(text ?? string.Empty, target);
    }

    public static bool TryParse(string? text, out Digest? digest)
    {
        digest = null;
        if (text == null) return false;
        var colon = text.IndexOf(':');
        if (colon < 0) return false;
        var algorithm = text.Substring(0, colon);
        var hex = text.Substring(colon + 1);
        var length = algorithm switch { "sha256" => 64, "sha512" => 128, _ => -1 };
        if (hex.Length != length) return false;
        foreach (var c in hex)
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        digest = new Digest(algorithm, hex);
        return true;
    }

    /// <summary>The digest of bytes the module made or fully read itself.</summary>
    public static Digest Sha256Of(byte[] data) => Parse(Digests.Sha256(data), "computed");

    /// <summary>The digest of <paramref name="data"/> with the algorithm of <paramref name="like"/>: what to compare it with.</summary>
    public static Digest Of(byte[] data, Digest like) => Parse(Digests.Compute(like.Algorithm, data), "computed");

    public bool Equals(Digest? other) => other is not null && other.Value == Value;
    public override bool Equals(object? obj) => obj is Digest d && Equals(d);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
    public override string ToString() => Value;

    public static bool operator ==(Digest? a, Digest? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Digest? a, Digest? b) => !(a == b);

    /// <summary>A digest reads as its text wherever text is wanted (messages, comparisons with a header).</summary>
    public static implicit operator string(Digest d) => d.Value;
}

/// <summary>Something that should be a digest is not: refused before it can become a path or a URL.</summary>
public sealed class InvalidDigestException : CseAirgapException
{
    public InvalidDigestException(string text, string target)
        : base("InvalidDigest", FailureCategory.InvalidData, target,
            $"{target} names the digest '{Shorten(text)}', which is not one: a digest is sha256: and 64 lower-case hex digits " +
            "(or sha512: and 128). The source is damaged or hostile; nothing was written for it.")
    {
        Text = text;
    }

    public string Text { get; }

    private static string Shorten(string text) => text.Length > 160 ? text.Substring(0, 160) + "…" : text;
}

/// <summary>
/// A digest in the OCI form (algorithm:encoded) whose algorithm the module cannot compute: what it names cannot be
/// checked, so it is refused rather than trusted (a mirror could otherwise substitute any content under it).
/// </summary>
public sealed class UnsupportedDigestAlgorithmException : CseAirgapException
{
    private static readonly System.Text.RegularExpressions.Regex OciDigest = new(
        @"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):[a-zA-Z0-9=_-]+$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public UnsupportedDigestAlgorithmException(string algorithm, string text, string target)
        : base("UnsupportedDigestAlgorithm", FailureCategory.NotImplemented, target,
            $"{target} names its content by the digest '{(text.Length > 160 ? text.Substring(0, 160) + "…" : text)}', whose algorithm '{algorithm}' " +
            "this module cannot compute (it verifies sha256 and sha512). Content it cannot verify is never trusted, so nothing was read or written " +
            "for it: have the image pushed with sha256 digests.")
    {
        Algorithm = algorithm;
    }

    public string Algorithm { get; }

    /// <summary>The algorithm of a well-formed digest (OCI image-spec grammar) that is neither sha256 nor sha512, else null.</summary>
    internal static string? AlgorithmOf(string? text)
    {
        if (text == null || text.Length > 1024) return null;
        var match = OciDigest.Match(text);
        if (!match.Success) return null;
        var algorithm = match.Groups[1].Value;
        return algorithm == "sha256" || algorithm == "sha512" ? null : algorithm;
    }
}
