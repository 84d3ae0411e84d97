using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Failures;

/// <summary>
/// The most the module reads of each kind of document that comes from outside, and one bounded reader for them:
/// a document is read into memory only up to its cap, and one byte more is a refusal, never a bigger buffer.
/// </summary>
public static class ContentLimits
{
    /// <summary>distribution's own limit for a manifest or index.</summary>
    public const int Manifest = 4 * 1024 * 1024;

    /// <summary>A token service's JSON answer.</summary>
    public const int TokenAnswer = 1024 * 1024;

    /// <summary>What is read of an error body, for the message.</summary>
    public const int ErrorBody = 64 * 1024;

    /// <summary>A BOM, TKr BOM, compatibility file or imgpkg lock (YAML), or a docker-save manifest.json.</summary>
    public const int Document = 16 * 1024 * 1024;

    /// <summary>Reads a whole stream, refusing it with <see cref="ContentTooLargeException"/> past <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]> ReadAllAsync(Stream stream, int limit, string what, string target, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            var n = await stream.ReadAsync(chunk, 0, chunk.Length, ct).ConfigureAwait(false);
            if (n <= 0) break;
            if (buffer.Length + n > limit) throw new ContentTooLargeException(what, target, limit);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes and says whether more followed (for error bodies, which are cut, not refused).</summary>
    public static async Task<(byte[] Bytes, bool Truncated)> ReadPrefixAsync(Stream stream, int limit, CancellationToken ct)
    {
        var data = new byte[limit];
        var read = 0;
        while (read < limit)
        {
            var n = await stream.ReadAsync(data, read, limit - read, ct).ConfigureAwait(false);
            if (n <= 0) break;
            read += n;
        }
        var truncated = read == limit && await stream.ReadAsync(new byte[1], 0, 1, ct).ConfigureAwait(false) > 0;
        System.Array.Resize(ref data, read);
        return (data, truncated);
    }
}
