using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>docker-save and OCI layout archives written here with System.Formats.Tar, hostile and not.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageArchiveExpanderTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-archive-" + Guid.NewGuid().ToString("N"));
    private readonly string _destination;
    private readonly string _canary;

    public ImageArchiveExpanderTests()
    {
        Directory.CreateDirectory(_scratch);
        _destination = Path.Combine(_scratch, "out");
        _canary = Path.Combine(_scratch, "canary.txt");
        File.WriteAllText(_canary, "alive");
    }

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    [UnixOnlyFact]
    public void ADockerSaveArchiveIsRecognisedWhenItsManifestComesAfterManyEntries()
    {
        var layer = LayerBytes(w => w.File("etc/hello.txt", "hello"));
        var archive = Write("late.tar", w =>
        {
            for (var i = 0; i < 100; i++) AddBytes(w, $"layer{i:000}/VERSION", Encoding.UTF8.GetBytes("1.0"));
            AddBytes(w, "real/layer.tar", layer);
            AddBytes(w, "manifest.json", Encoding.UTF8.GetBytes("[{\"Config\":\"c.json\",\"RepoTags\":[],\"Layers\":[\"real/layer.tar\"]}]"));
        });
        new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(_destination, "etc", "hello.txt")));
        Assert.False(Directory.Exists(Path.Combine(_destination, "layer000")));
    }

    [UnixOnlyFact]
    public void AnOldDockerSaveLayerLinkedToAnotherLayerOfTheArchiveIsRead()
    {
        var layer = LayerBytes(w => w.File("same.txt", "same"));
        var archive = Write("legacy.tar", w =>
        {
            AddBytes(w, "first/layer.tar", layer);
            w.Symlink("second/layer.tar", "../first/layer.tar");
            AddBytes(w, "manifest.json", Encoding.UTF8.GetBytes("[{\"Layers\":[\"first/layer.tar\",\"second/layer.tar\"]}]"));
        });
        new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination);
        Assert.Equal("same", File.ReadAllText(Path.Combine(_destination, "same.txt")));
    }

    [UnixOnlyTheory]
    [InlineData("manifest.json", "/etc/passwd")]
    [InlineData("manifest.json", "/dev/zero")]
    [InlineData("manifest.json", "real.json")]
    [InlineData("layer.tar", "/etc/passwd")]
    [InlineData("layer.tar", "/dev/zero")]
    [InlineData("layer.tar", "../../../../../../etc/passwd")]
    public void ADocumentOrLayerThatIsALinkLeavingTheArchiveIsRefused(string linked, string target)
    {
        var archive = Write("linked.tar", w =>
        {
            if (linked == "manifest.json")
            {
                AddBytes(w, "real.json", Encoding.UTF8.GetBytes("[{\"Layers\":[]}]"));
                w.Symlink("manifest.json", target);
            }
            else
            {
                w.Symlink("layer.tar", target);
                AddBytes(w, "manifest.json", Encoding.UTF8.GetBytes("[{\"Layers\":[\"layer.tar\"]}]"));
            }
        });
        var refusal = Assert.Throws<UnsafeEntryException>(() => new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination));
        Assert.Equal(linked, refusal.Entry);
        Assert.Equal(FailureCategory.SecurityError, refusal.Category);
        AssertNothingKept();
    }

    [UnixOnlyFact]
    public void AManifestJsonLargerThanItsCapIsRefusedAsContentTooLarge()
    {
        var huge = new byte[ContentLimits.Document + 1];
        Array.Fill(huge, (byte)' ');
        var archive = Write("huge.tar", w => AddBytes(w, "manifest.json", huge));
        var refusal = Assert.Throws<ContentTooLargeException>(() => new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination));
        Assert.Equal("ContentTooLarge", refusal.ErrorId);
        AssertNothingKept();
    }

    [UnixOnlyFact]
    public void AManifestJsonThatIsNotJsonIsInvalidData()
    {
        var archive = Write("notjson.tar", w => AddBytes(w, "manifest.json", Encoding.UTF8.GetBytes("[{\"Layers\": [")));
        Assert.Throws<InvalidDataException>(() => new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination));
        AssertNothingKept();
    }

    [UnixOnlyTheory]
    [InlineData("sha256:../../../../dev/zero")]
    [InlineData("sha256:../../../X")]
    public void AnOciIndexNamingAPathAsADigestIsRefusedAsInvalidDigest(string digest)
    {
        var index = $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{digest}\",\"size\":10}}]}}";
        var archive = Write("oci.tar", w =>
        {
            AddBytes(w, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
            AddBytes(w, "index.json", Encoding.UTF8.GetBytes(index));
        });
        Assert.Throws<InvalidDigestException>(() => new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination));
        AssertNothingKept();
    }

    [UnixOnlyFact]
    public void ADockerSaveBlobNameThatIsNotADigestIsRefused()
    {
        var archive = Write("blobname.tar", w =>
        {
            AddBytes(w, "blobs/sha256/notadigest", LayerBytes(w2 => w2.File("x")));
            AddBytes(w, "manifest.json", Encoding.UTF8.GetBytes("[{\"Layers\":[\"blobs/sha256/notadigest\"]}]"));
        });
        Assert.Throws<InvalidDigestException>(() => new ImageArchiveExpander(null).Expand(archive, PlatformSelector.Default, _destination));
        AssertNothingKept();
    }

    [UnixOnlyFact]
    public void AnOciIndexWithoutThePlatformAskedForIsPlatformNotFound()
    {
        var blobs = new Dictionary<string, byte[]>();
        string Add(string json)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
            blobs[hex] = bytes;
            return $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:{hex}\",\"size\":{bytes.Length}";
        }
        var amd = Add("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + new string('0', 64) + "\",\"size\":2},\"layers\":[]}");
        var index = "{\"schemaVersion\":2,\"manifests\":[" + amd + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}," + amd + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
        var archive = Write("platforms.tar", w =>
        {
            AddBytes(w, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
            AddBytes(w, "index.json", Encoding.UTF8.GetBytes(index));
            foreach (var (hex, bytes) in blobs) AddBytes(w, "blobs/sha256/" + hex, bytes);
        });
        var refusal = Assert.Throws<PlatformNotFoundException>(() => new ImageArchiveExpander(null).Expand(archive, "linux/ppc64le", _destination));
        Assert.Equal("PlatformNotFound", refusal.ErrorId);
        Assert.Equal(FailureCategory.ObjectNotFound, refusal.Category);
        Assert.Contains("linux/amd64, linux/arm64", refusal.Message, StringComparison.Ordinal);
    }

    private void AssertNothingKept()
    {
        Assert.Equal("alive", File.ReadAllText(_canary));
        Assert.Equal(new[] { "canary.txt" }, Directory.EnumerateFileSystemEntries(_scratch).Where(p => !p.EndsWith(".tar", StringComparison.Ordinal)).Select(Path.GetFileName).ToArray());
    }

    private string Write(string name, Action<TarWriter> build)
    {
        var path = Path.Combine(_scratch, name);
        using var tar = HostileTar.Build(build);
        File.WriteAllBytes(path, tar.ToArray());
        return path;
    }

    private static byte[] LayerBytes(Action<TarWriter> build)
    {
        using var tar = HostileTar.Build(build);
        return tar.ToArray();
    }

    private static void AddBytes(TarWriter writer, string name, byte[] data)
    {
        var entry = new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data), Mode = (UnixFileMode)0b110_100_100 };
        writer.WriteEntry(entry);
    }
}
