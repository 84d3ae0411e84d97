using System.Text;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Export;

/// <summary>
/// Hostile export folders written by the test: the reader and Test-CseExport's verifier refuse them with the stated
/// error ID, never read anything outside the export, and always end (no read without end, no blocking open).
/// </summary>
public sealed class ExportReadingSafetyTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private static IReadOnlyList<CheckResult> VerifyWithin(string path, List<CseAirgapException> refusals)
    {
        var work = Task.Run(() => ExportVerifier.Verify(path, CancellationToken.None, e => { lock (refusals) refusals.Add(e); }));
        Assert.True(work.Wait(Hang), "Test-CseExport's verifier did not end: it is reading without end or blocked on an open.");
        return work.Result;
    }

    [UnixOnlyFact]
    public void AnIndexNamingADigestThatIsAPathIsRefusedAsInvalidDigestAndNothingIsRead()
    {
        using var scratch = new ScratchFolder();
        scratch.WriteIndex("sha256:../../../../dev/zero", 10);
        var before = scratch.Snapshot();

        var refused = Assert.Throws<InvalidDigestException>(() => OciLayoutReader.Open(scratch.Export));
        Assert.Equal("InvalidDigest", refused.ErrorId);
        Assert.Equal(FailureCategory.InvalidData, refused.Category);

        var refusals = new List<CseAirgapException>();
        var results = VerifyWithin(scratch.Export, refusals);
        Assert.Contains(results, r => r.Check == "Index" && r.Status == CheckStatus.Failed);
        Assert.Equal("InvalidDigest", Assert.Single(refusals).ErrorId);
        Assert.Equal(before, scratch.Snapshot());
    }

    [UnixOnlyTheory]
    [InlineData("/dev/zero")]
    [InlineData("fifo")]
    [InlineData("canary")]
    public void ABlobFileThatIsASymbolicLinkIsRefusedAndItsTargetIsNeverRead(string target)
    {
        using var scratch = new ScratchFolder();
        var outside = target switch
        {
            "fifo" => Path.Combine(scratch.Root, "outside.fifo"),
            "canary" => scratch.Canary,
            _ => target,
        };
        if (target == "fifo") ScratchFolder.Run("mkfifo", outside); // opening it would block for ever
        var hex = new string('a', 64);
        File.CreateSymbolicLink(scratch.BlobPath(hex), outside);
        scratch.WriteIndex("sha256:" + hex, 10);
        var before = scratch.Snapshot();

        var reader = OciLayoutReader.Open(scratch.Export);
        var refused = Assert.Throws<UnsafeExportFileException>(() => reader.OpenBlob(Digest.Parse("sha256:" + hex, "test")));
        Assert.Equal("UnsafeExportFile", refused.ErrorId);
        Assert.Equal(FailureCategory.SecurityError, refused.Category);
        Assert.Throws<UnsafeExportFileException>(() => reader.ReadManifest(reader.Images[0].Manifest));

        var results = VerifyWithin(scratch.Export, new List<CseAirgapException>());
        Assert.Contains(results, r => r.Check == "Blob" && r.Status == CheckStatus.Failed && r.Detail.Contains("symbolic link"));
        Assert.Contains(results, r => r.Check == "Image" && r.Status == CheckStatus.Failed);
        Assert.Equal(before, scratch.Snapshot());
    }

    [UnixOnlyFact]
    public void ABlobsFolderThatIsASymbolicLinkIsRefused()
    {
        using var scratch = new ScratchFolder();
        var elsewhere = Path.Combine(scratch.Root, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        var content = Encoding.UTF8.GetBytes("outside content");
        var digest = Digest.Sha256Of(content);
        File.WriteAllBytes(Path.Combine(elsewhere, digest.Hex), content);
        Directory.Delete(Path.Combine(scratch.Export, "blobs", "sha256"));
        Directory.CreateSymbolicLink(Path.Combine(scratch.Export, "blobs", "sha256"), elsewhere);
        scratch.WriteIndex(digest.Value, content.Length);

        var reader = OciLayoutReader.Open(scratch.Export);
        var refused = Assert.Throws<UnsafeExportFileException>(() => reader.OpenBlob(digest));
        Assert.Contains("folder is a symbolic link", refused.Message);
    }

    [UnixOnlyFact]
    public void ADeviceOrPipeUnderABlobNameIsNeverOpenedAndTheCheckEnds()
    {
        using var scratch = new ScratchFolder();
        var hex = new string('b', 64);
        ScratchFolder.Run("mkfifo", scratch.BlobPath(hex));
        scratch.WriteIndex("sha256:" + hex, 10);

        var results = VerifyWithin(scratch.Export, new List<CseAirgapException>());
        Assert.Contains(results, r => r.Check == "Blob" && r.Target == "sha256:" + hex && r.Status == CheckStatus.Failed);
    }

    [UnixOnlyFact]
    public void AManifestWhoseLayerDigestIsAPathIsRefusedAsInvalidDigest()
    {
        using var scratch = new ScratchFolder();
        var manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + new string('c', 64) + "\",\"size\":2}," +
            "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:../../../X\",\"size\":5}]}");
        var digest = Digest.Sha256Of(manifest);
        File.WriteAllBytes(scratch.BlobPath(digest.Hex), manifest);
        scratch.WriteIndex(digest.Value, manifest.Length);
        var before = scratch.Snapshot();

        var reader = OciLayoutReader.Open(scratch.Export);
        var refused = Assert.Throws<InvalidDigestException>(() => reader.ReadManifest(reader.Images[0].Manifest));
        Assert.Equal("InvalidDigest", refused.ErrorId);
        var results = VerifyWithin(scratch.Export, new List<CseAirgapException>());
        Assert.Contains(results, r => r.Check == "Image" && r.Status == CheckStatus.Failed && r.Detail.Contains("../../../X"));
        Assert.Equal(before, scratch.Snapshot());
        Assert.False(File.Exists(Path.Combine(scratch.Root, "X")));
    }

    [UnixOnlyFact]
    public void AnIndexOrManifestLargerThanItsCapIsRefusedBeforeItIsRead()
    {
        using var scratch = new ScratchFolder();
        using (var index = new FileStream(Path.Combine(scratch.Export, "index.json"), FileMode.Create))
            index.SetLength(ContentLimits.Document + 1L); // sparse: no disk, and nothing that parses
        var tooLarge = Assert.Throws<ContentTooLargeException>(() => OciLayoutReader.Open(scratch.Export));
        Assert.Equal("ContentTooLarge", tooLarge.ErrorId);

        var hex = new string('d', 64);
        using (var blob = new FileStream(scratch.BlobPath(hex), FileMode.Create)) blob.SetLength(ContentLimits.Manifest + 1L);
        scratch.WriteIndex("sha256:" + hex, ContentLimits.Manifest + 1L);
        var reader = OciLayoutReader.Open(scratch.Export);
        Assert.Equal("ContentTooLarge", Assert.Throws<ContentTooLargeException>(() => reader.ReadManifest(reader.Images[0].Manifest)).ErrorId);
    }

    [UnixOnlyFact]
    public void AMissingBlobIsExportIncomplete()
    {
        using var scratch = new ScratchFolder();
        var hex = new string('e', 64);
        scratch.WriteIndex("sha256:" + hex, 10);
        var reader = OciLayoutReader.Open(scratch.Export);
        var missing = Assert.Throws<ExportIncompleteException>(() => reader.ReadManifest(reader.Images[0].Manifest));
        Assert.Equal("ExportIncomplete", missing.ErrorId);
        Assert.Equal(FailureCategory.ObjectNotFound, missing.Category);
    }

    [UnixOnlyFact]
    public void ACheckumFileNamingAPathOutsideTheSetIsNotFollowed()
    {
        using var scratch = new ScratchFolder();
        var tar = Path.Combine(scratch.Root, "set.tar");
        File.WriteAllText(tar + ".001", "part");
        File.WriteAllText(tar + ".sha256", new string('0', 64) + "  ../../../../dev/zero\n" + new string('0', 64) + "  set.tar.001\n");
        var results = VerifyWithin(tar + ".001", new List<CseAirgapException>());
        Assert.Contains(results, r => r.Check == "Part" && r.Status == CheckStatus.Failed && r.Detail.Contains("not a part"));
        Assert.Contains(results, r => r.Check == "Part" && r.Target == tar + ".001" && r.Status == CheckStatus.Failed);
    }
}
