using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>Small files carried by images (BOMs, locks, compatibility lists) and their labels, read without unpacking to disk.</summary>
public static class ImageFiles
{
    private const long MaxFileBytes = 256 * 1024 * 1024;

    /// <summary>The image config's labels (empty for an index or a config without any).</summary>
    public static async Task<System.Collections.Generic.IReadOnlyDictionary<string, string>> LabelsAsync(IImageSource source, ManifestDocument manifest, CancellationToken ct)
    {
        var labels = new System.Collections.Generic.Dictionary<string, string>(StringComparer.Ordinal);
        if (manifest.IsIndex || manifest.Blobs.Count == 0) return labels;
        var config = manifest.Blobs[0];
        if (config.Size > MaxFileBytes) return labels;
        var bytes = await ReadBlobAsync(source, config, ct).ConfigureAwait(false);
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
    public static async Task<string?> ReadFileAsync(IImageSource source, ManifestDocument manifest, string? path, CancellationToken ct)
    {
        var bytes = await ReadFileBytesAsync(source, manifest, path, ct).ConfigureAwait(false);
        return bytes == null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>As <see cref="ReadFileAsync"/>, for binary files (a SQLite database).</summary>
    public static async Task<byte[]?> ReadFileBytesAsync(IImageSource source, ManifestDocument manifest, string? path, CancellationToken ct)
    {
        byte[]? found = null;
        foreach (var layer in manifest.Blobs.Skip(1))
            found = await WithRetriesAsync(source, () => ReadFromLayerAsync(source, layer, path, ct), ct).ConfigureAwait(false) ?? found;
        return found;
    }

    private static async Task<byte[]?> ReadFromLayerAsync(IImageSource source, Descriptor layer, string? path, CancellationToken ct)
    {
        byte[]? found = null;
        // Later layers win, as when the image is unpacked.
        await ForEachEntryAsync(source, layer, (entry, reader) =>
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name.Substring(2) : entry.Name;
            if (entry.Kind != TarEntryKind.File || entry.Size > MaxFileBytes) return;
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

    private static Task<byte[]> ReadBlobAsync(IImageSource source, Descriptor blob, CancellationToken ct) =>
        WithRetriesAsync(source, async () =>
        {
            using var raw = await source.OpenBlobAsync(blob, ct).ConfigureAwait(false);
            using var verified = new VerifyingStream(raw, blob.Digest, blob.Size, null);
            using var buffer = new MemoryStream();
            await verified.CopyToAsync(buffer).ConfigureAwait(false);
            var bytes = buffer.ToArray();
            // The copy that follows sends this blob (an image's config) without fetching it again.
            if (source is RegistryImageSource registry) registry.KeepForNextRead(blob, bytes);
            return bytes;
        }, ct);

    /// <summary>The same bounded retries a blob copy gets (the session's): a dropped or corrupted read is read again.</summary>
    private static Task<T> WithRetriesAsync<T>(IImageSource source, Func<Task<T>> read, CancellationToken ct) =>
        (source is RegistryImageSource r ? r.Client.Retry : new RetryPolicy()).RunAsync(read, RetryPolicy.IsWorthRetryingTransfer, null, ct);
}
