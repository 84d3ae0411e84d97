using System.Security.Cryptography;
using System.Text;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Export;

/// <summary>
/// What an export holds beside an image (-IncludeSignature): its cosign tags and, by digest, the referrers whose subject
/// it is travel with it, found by its source and never listed as images of their own; a digest-only image with no
/// subject (a bundle's locked image) stays an image. The layout is written here, file by file.
/// </summary>
public sealed class ExportAttachmentTests
{
    private static string Blob(ScratchFolder scratch, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllBytes(scratch.BlobPath(hex), bytes);
        return "sha256:" + hex;
    }

    private static string Manifest(ScratchFolder scratch, string layerText, string? subject = null)
    {
        var config = Blob(scratch, "{}");
        var layer = Blob(scratch, layerText);
        var subjectJson = subject == null ? "" : ",\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + subject + "\",\"size\":1}";
        return Blob(scratch, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" +
            config + "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/octet-stream\",\"digest\":\"" + layer + "\",\"size\":" + Encoding.UTF8.GetByteCount(layerText) + "}]" + subjectJson + "}");
    }

    private static string Entry(ScratchFolder scratch, string digest, string name) =>
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + digest + "\",\"size\":" + new FileInfo(scratch.BlobPath(digest.Substring(7))).Length +
        ",\"annotations\":{\"io.containerd.image.name\":\"" + name + "\"}}";

    [Fact]
    public async Task ASignatureTagAndAReferrerTravelWithTheirImageAndALockedImageStaysAnImage()
    {
        using var scratch = new ScratchFolder();
        var image = Manifest(scratch, "the image");
        var tagForm = image.Replace(':', '-');
        var signature = Manifest(scratch, "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + image + "\"}}}");
        var referrer = Manifest(scratch, "an sbom", subject: image);
        var locked = Manifest(scratch, "a locked image");
        var elsewhere = Manifest(scratch, "a signature of another repository");
        File.WriteAllText(Path.Combine(scratch.Export, "index.json"), "{\"schemaVersion\":2,\"manifests\":[" + string.Join(",",
            Entry(scratch, image, "example.test/app:v1"),
            Entry(scratch, signature, $"example.test/app:{tagForm}.sig"),
            Entry(scratch, referrer, $"example.test/app@{referrer}"),
            Entry(scratch, locked, $"example.test/app@{locked}"),
            Entry(scratch, elsewhere, $"example.test/other:{tagForm}.sig")) + "]}");

        var reader = OciLayoutReader.Open(scratch.Export);

        Assert.Equal(new[] { "example.test/app:v1", $"example.test/app@{locked}", $"example.test/other:{tagForm}.sig" },
            reader.Images.Where(i => !reader.IsAttachment(i)).Select(i => i.Reference));
        var found = await new LayoutImageSource(reader, reader.Images[0]).FindAttachmentsAsync(Digest.Parse(image, "test"), 10, CancellationToken.None);
        Assert.Equal(new[] { $"{tagForm}.sig", referrer }, found.Select(f => f.Name));
        Assert.Equal(signature, found[0].Digest.Value);
        Assert.Null(found[1].Tag);
    }
}
