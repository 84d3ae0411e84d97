using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>Small files carried by images (BOMs, locks, compatibility lists) and their labels, read without unpacking to disk.</summary>
public static class ImageFiles
{
    private const long MaxFileBytes = 256 * 1024 * 1024;

    /// <summary>
    /// The largest image config read whole, for its labels (imgpkg's bundle label lives there). Real configs are a few
    /// KB (a long history makes some tens of KB); a larger one is not read for labels, so its image is never taken for a
    /// bundle, and the copy streams it like any other blob instead of holding it in memory.
    /// </summary>
    public const int ConfigReadLimit = 4 * 1024 * 1024;

    /// <summary>The image config's labels (empty for an index or a config without any).</summary>
    public static async Task<System.Collections.Generic.IReadOnlyDictionary<string, string>> LabelsAsync(IImageSource source, ManifestDocument manifest, CancellationToken ct)
    {
        var labels = new System.Collections.Generic.Dictionary<string, string>(StringComparer.Ordinal);
        if (manifest.IsIndex || manifest.Blobs.Count == 0) return labels;
        var config = manifest.Blobs[0];
        if (config.Size > ConfigReadLimit) return labels;
        var bytes = await ReadBlobAsync(source, config, ConfigReadLimit, ct).ConfigureAwait(false);
        using var json = JsonDocument.Parse(bytes);
        if (json.RootElement.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object &&
            c.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
            foreach (var p in l.EnumerateObject()) labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? string.Empty : p.Value.ToString();
        return labels;
    }

    /// <summary>
    /// A file from the image's layers: the one at <paramref name="path"/>, or with a null path the first regular file
    /// (BOM images hold exactly one). Null when there is none.
    /// </summary>
    /// <param name="maxBytes">
    /// The most read of the file: a file at <paramref name="path"/> larger than that is refused as ContentTooLarge
    /// (a first file larger than that is passed over); 256 MiB when not given.
    /// </param>
    public static async Task<string?> ReadFileAsync(IImageSource source, ManifestDocument manifest, string? path, CancellationToken ct, long maxBytes = MaxFileBytes)
    {
        var bytes = await ReadFileBytesAsync(source, manifest, path, ct, maxBytes).ConfigureAwait(false);
        return bytes == null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>As <see cref="ReadFileAsync"/>, for binary files (a SQLite database).</summary>
    public static async Task<byte[]?> ReadFileBytesAsync(IImageSource source, ManifestDocument manifest, string? path, CancellationToken ct, long maxBytes = MaxFileBytes)
    {
        byte[]? found = null;
        foreach (var layer in manifest.Blobs.Skip(1))
            found = await WithRetriesAsync(source, () => ReadFromLayerAsync(source, layer, path, maxBytes, ct), ct).ConfigureAwait(false) ?? found;
        return found;
    }

    private static async Task<byte[]?> ReadFromLayerAsync(IImageSource source, Descriptor layer, string? path, long maxBytes, CancellationToken ct)
    {
        byte[]? found = null;
        // Later layers win, as when the image is unpacked.
        await ForEachEntryAsync(source, layer, (entry, reader) =>
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name.Substring(2) : entry.Name;
            if (entry.Kind != TarEntryKind.File) return;
            if (entry.Size > maxBytes)
            {
                if (path != null && name == path) throw new ContentTooLargeException(path, source.Location, maxBytes);
                return;
            }
            if (path != null ? name == path : found == null && !name.StartsWith(".", StringComparison.Ordinal))
            {
                using var buffer = new MemoryStream();
                reader.CopyDataTo(buffer);
                found = buffer.ToArray();
            }
        }, ct).ConfigureAwait(false);
        return found;
    }

    /// <summary>
    /// Walks one layer's tar entries behind its digest check: <paramref name="onEntry"/> sees each entry and may read its
    /// data from the reader. The blob is then read to its end, so a corrupt, short or longer layer fails here.
    /// </summary>
    internal static async Task ForEachEntryAsync(IImageSource source, Descriptor layer, Action<TarEntry, TarEntryReader> onEntry, CancellationToken ct)
    {
        using var raw = await source.OpenBlobAsync(layer, ct).ConfigureAwait(false);
        using var verified = new VerifyingStream(raw, layer.Digest, layer.Size, null);
        using var tar = LayerDecompression.Open(verified);
        var reader = new TarEntryReader(tar);
        TarEntry? entry;
        while ((entry = reader.Next()) != null) onEntry(entry, reader);
        Drain(tar);
        Drain(verified);
    }

    private static void Drain(Stream stream)
    {
        var buffer = new byte[81920];
        while (stream.Read(buffer, 0, buffer.Length) > 0) { }
    }

    private static Task<byte[]> ReadBlobAsync(IImageSource source, Descriptor blob, int limit, CancellationToken ct) =>
        WithRetriesAsync(source, async () =>
        {
            using var raw = await source.OpenBlobAsync(blob, ct).ConfigureAwait(false);
            using var verified = new VerifyingStream(raw, blob.Digest, blob.Size, null);
            // Bounded however the blob's size was declared: never more than the limit in memory.
            var bytes = await ContentLimits.ReadAllAsync(verified, limit, "image config", source.Location, ct).ConfigureAwait(false);
            // The copy that follows sends this blob (an image's config) without fetching it again.
            source.KeepForNextRead(blob, bytes);
            return bytes;
        }, ct);

    /// <summary>The same bounded retries a blob copy gets (the session's): a dropped or corrupted read is read again.</summary>
    private static Task<T> WithRetriesAsync<T>(IImageSource source, Func<Task<T>> read, CancellationToken ct) =>
        source.ReadRetry.RunAsync(read, RetryPolicy.IsWorthRetryingTransfer, null, ct);
}
