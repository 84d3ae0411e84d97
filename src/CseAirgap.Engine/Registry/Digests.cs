using System;
using System.Security.Cryptography;
using System.Text;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>The digest algorithms the module computes: sha256 and sha512, the two the OCI image spec registers.</summary>
internal static class Digests
{
    public static string Sha256(byte[] data) => Compute("sha256", data);

    /// <summary>algorithm:hex of <paramref name="data"/>.</summary>
    public static string Compute(string algorithm, byte[] data)
    {
        using var hash = Create(algorithm);
        hash.AppendData(data);
        return Format(algorithm, hash.GetHashAndReset());
    }

    /// <summary>An incremental hash for <paramref name="algorithm"/>; any other algorithm is refused, so nothing unverified passes.</summary>
    public static IncrementalHash Create(string algorithm) => algorithm switch
    {
        "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        "sha512" => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw new UnsupportedDigestAlgorithmException(algorithm, algorithm + ":…", "a digest"),
    };

    public static string Format(byte[] hash) => Format("sha256", hash);

    public static string Format(string algorithm, byte[] hash)
    {
        var sb = new StringBuilder(algorithm.Length + 1 + hash.Length * 2).Append(algorithm).Append(':');
        foreach (var b in hash) sb.Append(b.ToString("x2"));
        return sb.ToString();
    }
}
