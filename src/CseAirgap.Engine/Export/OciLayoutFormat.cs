using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>One image recorded in an export's index.json: its original full reference and its top manifest.</summary>
public sealed class LayoutImage
{
    public LayoutImage(string reference, Descriptor manifest)
    {
        Reference = reference;
        Manifest = manifest;
    }

    public string Reference { get; }
    public Descriptor Manifest { get; }
}

/// <summary>The OCI image layout's fixed files: oci-layout, index.json and where blobs live.</summary>
public static class OciLayoutFormat
{
    /// <summary>containerd's annotation for the full image name; ref.name carries it too, so skopeo can address each image.</summary>
    public const string ImageNameAnnotation = "io.containerd.image.name";
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public const string LayoutFile = "oci-layout";
    public const string IndexFile = "index.json";
    public static readonly byte[] LayoutBytes = Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}");

    /// <summary>Where a blob lives in a layout, made only from a parsed digest: blobs/&lt;algorithm&gt;/&lt;hex&gt;, never anything else.</summary>
    public static string BlobPath(Digest digest) => "blobs/" + digest.Algorithm + "/" + digest.Hex;

    /// <summary>The blob folders a layout may hold, one per digest algorithm the module accepts.</summary>
    public static readonly string[] BlobFolders = { "blobs/sha256", "blobs/sha512" };

    public static byte[] WriteIndex(IEnumerable<LayoutImage> images)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", MediaTypes.OciIndex);
            json.WriteStartArray("manifests");
            foreach (var image in images.OrderBy(i => i.Reference, System.StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("mediaType", image.Manifest.MediaType);
                json.WriteString("digest", image.Manifest.Digest);
                json.WriteNumber("size", image.Manifest.Size);
                json.WriteStartObject("annotations");
                json.WriteString(ImageNameAnnotation, image.Reference);
                json.WriteString(RefNameAnnotation, image.Reference);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static List<LayoutImage> ReadIndex(byte[] bytes, string target)
    {
        var images = new List<LayoutImage>();
        try
        {
            using var json = JsonDocument.Parse(bytes);
            foreach (var entry in json.RootElement.GetProperty("manifests").EnumerateArray())
            {
                string? name = null;
                if (entry.TryGetProperty("annotations", out var annotations))
                {
                    if (annotations.TryGetProperty(ImageNameAnnotation, out var n)) name = n.GetString();
                    else if (annotations.TryGetProperty(RefNameAnnotation, out var r) && (r.GetString() ?? string.Empty).Contains("/")) name = r.GetString();
                }
                if (name == null) continue;
                // Refused here, once, so that every reader of an export (Publish, Get, the verifier, an appending
                // export) agrees: an export that names an image wrongly is damaged or was not made by this module.
                if (!ImageReference.TryParse(name, out _, out var error))
                    throw new ExportFileInvalidException(target,
                        $"{target} has an index.json that names the image '{ExportFileInvalidException.Shown(name)}', which is not an image reference ({error}). " +
                        "The export is damaged or was not made by Export-CseDependency: export again from the source.");
                images.Add(new LayoutImage(name, new Descriptor(
                    entry.GetProperty("mediaType").GetString() ?? string.Empty,
                    Digest.Parse(entry.GetProperty("digest").GetString(), target),
                    entry.GetProperty("size").GetInt64(), null)));
            }
        }
        catch (System.Exception e) when (e is JsonException || e is KeyNotFoundException || e is System.InvalidOperationException)
        {
            throw new ExportFileInvalidException(target, $"{target} has no readable index.json ({e.Message}): is it an export made by Export-CseDependency (an OCI image layout)?", e);
        }
        return images;
    }
}
