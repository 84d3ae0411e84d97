using System.Security.Cryptography;
using System.Text;

namespace CseAirgap.Engine.Registry;

internal static class Digests
{
    public static string Sha256(byte[] data)
    {
        using var sha = SHA256.Create();
        return Format(sha.ComputeHash(data));
    }

    public static string Format(byte[] hash)
    {
        var sb = new StringBuilder("sha256:", 7 + 64);
        foreach (var b in hash) sb.Append(b.ToString("x2"));
        return sb.ToString();
    }
}
