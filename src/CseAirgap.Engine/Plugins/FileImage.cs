using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Plugins;

/// <summary>A file carried by a file image (the inventory's plugin_inventory.db, central_config.yaml).</summary>
public sealed class ImageFile
{
    public ImageFile(string name, byte[] content)
    {
        Name = name;
        Content = content;
    }

    /// <summary>The path inside the image, relative, with forward slashes.</summary>
    public string Name { get; }
    public byte[] Content { get; }
}

/// <summary>
/// Images that only carry files, the shape imgpkg gives the plug-in inventory (imgpkg push -f of a folder): read
/// whole, and written as one gzip layer with an OCI config and manifest, blobs first and the tag last.
/// </summary>
public static class FileImage
{
    /// <summary>A real inventory is a few MiB; a file image from outside is refused beyond this.</summary>
    public const long MaxTotalBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Every regular file of the image, later layers replacing earlier ones as when the image is unpacked. Names that
    /// are not plain relative paths are left out (and said so); each layer is read to its end so its digest is checked.
    /// </summary>
    public static async Task<IReadOnlyList<ImageFile>> ReadAllAsync(IImageSource source, ManifestDocument manifest, string target, Action<string>? log, CancellationToken ct)
    {
        if (manifest.IsIndex) throw new RegistryException(RegistryErrorKind.UnsupportedMediaType, target, $"{target} is an index, not an image of files.");
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var order = new List<string>();
        long total = 0;
        foreach (var layer in manifest.Blobs.Skip(1))
            await ImageFiles.ForEachEntryAsync(source, layer, (entry, reader) =>
            {
                if (entry.Kind != TarEntryKind.File) return;
                var name = PlainName(entry.Name);
                if (name == null)
                {
                    log?.Invoke($"{target}: the entry '{entry.Name}' is not a plain relative path; it is left out.");
                    return;
                }
                total += entry.Size;
                if (total > MaxTotalBytes) throw new Failures.ContentTooLargeException("files", target, MaxTotalBytes);
                using var buffer = new MemoryStream();
                reader.CopyDataTo(buffer);
                if (!files.ContainsKey(name)) order.Add(name);
                files[name] = buffer.ToArray();
            }, ct).ConfigureAwait(false);
        return order.Select(n => new ImageFile(n, files[n])).ToList();
    }

    /// <summary>Pushes an image holding <paramref name="files"/>; returns its digest.</summary>
    public static async Task<string> PushAsync(RegistryClient client, string repository, string tag, IReadOnlyList<ImageFile> files, CancellationToken ct) =>
        await SingleLayerImage.Build(files.Select(f => (f.Name, f.Content)), SingleLayerImage.Oci, $"{client.Address.Host}/{repository}:{tag}")
            .PushAsync(client, repository, tag, ct).ConfigureAwait(false);

    /// <summary>"./a/b" and "a/b" as "a/b"; null for an absolute name, one with "..", "." or a backslash.</summary>
    internal static string? PlainName(string name)
    {
        var trimmed = name.StartsWith("./", StringComparison.Ordinal) ? name.Substring(2) : name;
        if (trimmed.Length == 0 || trimmed.StartsWith("/", StringComparison.Ordinal) || trimmed.IndexOf('\\') >= 0 || trimmed.IndexOf('\0') >= 0) return null;
        var parts = trimmed.Split('/');
        return parts.Any(p => p.Length == 0 || p == "." || p == "..") ? null : trimmed;
    }
}
