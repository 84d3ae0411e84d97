using System.Collections.Concurrent;
using System.Security.Cryptography;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tests.Copy;
using Xunit;

namespace CseAirgap.Engine.Tests.Export;

/// <summary>Tar exports read back by independent readers: GNU tar and Python's tarfile.</summary>
public sealed class TarHeaderTests
{
    private const long EightGiBPlusOne = 8L * 1024 * 1024 * 1024 + 1;

    private static byte[] Header(long size)
    {
        using var buffer = new MemoryStream();
        new TarEntryWriter(buffer).WriteHeader("blobs/sha256/" + new string('f', 64), size);
        return buffer.ToArray();
    }

    [UnixOnlyFact]
    public void ASizeOf8GiBOrMoreIsWrittenInBase256WhichTheEnginesReaderReadsBack()
    {
        var header = Header(EightGiBPlusOne);
        Assert.Equal(0x80, header[124]);
        var entry = new TarEntryReader(new MemoryStream(header)).Next();
        Assert.NotNull(entry);
        Assert.Equal(EightGiBPlusOne, entry!.Size);
        // Below the limit the field stays octal, as every ustar reader expects.
        Assert.Equal((byte)'7', Header(TarEntryWriter.MaxOctalSize)[124]);
    }

    [UnixOnlyFact]
    public void GnuTarAndPythonsTarfileReadTheSizeOfAnEntryOf8GiBPlusOne()
    {
        using var scratch = new ScratchFolder();
        var tar = Path.Combine(scratch.Root, "big.tar");
        using (var file = new FileStream(tar, FileMode.Create))
        {
            file.Write(Header(EightGiBPlusOne));
            // The data is a hole (a sparse file): only the header and the end blocks take disk.
            var dataBlocks = (EightGiBPlusOne + 511) / 512 * 512;
            file.SetLength(512 + dataBlocks + 1024);
        }
        var python = ScratchFolder.Output("python3", "-c",
            "import sys, tarfile\nwith tarfile.open(sys.argv[1]) as t:\n    for m in t.getmembers(): print(m.name, m.size)", tar);
        Assert.Equal($"blobs/sha256/{new string('f', 64)} {EightGiBPlusOne}", python.Trim());
        var gnu = ScratchFolder.Output("tar", "-tvf", tar);
        Assert.Contains($" {EightGiBPlusOne} ", gnu);
    }

    [UnixOnlyFact]
    public async Task ASmallTarExportIsReadBackByPythonsTarfileWithEveryBlobMatchingItsDigest()
    {
        using var scratch = new ScratchFolder();
        var blobs = new ConcurrentDictionary<string, byte[]>();
        var layer = TestImages.Blob(blobs, new string('x', 3000));
        var image = TestImages.Image(blobs, TestImages.Blob(blobs, "{\"config\":{}}", "application/vnd.oci.image.config.v1+json"), layer);
        var reference = new ImageReference("example.test", "app", "v1", null);
        var tar = Path.Combine(scratch.Root, "small.tar");
        using (var target = new TarExportTarget(tar, 0))
            await new ImageCopier(target, new RetryPolicy(), null).RunAsync(new[] { new ImageCopyJob(reference, image, reference) }, 1, new CopyProgress(1), _ => { }, CancellationToken.None);

        var script = "import sys, tarfile, hashlib, json\n" +
                     "with tarfile.open(sys.argv[1]) as t:\n" +
                     "    for m in t.getmembers():\n" +
                     "        data = t.extractfile(m).read()\n" +
                     "        if m.name.startswith('blobs/sha256/'):\n" +
                     "            print(m.name, 'ok' if hashlib.sha256(data).hexdigest() == m.name.split('/')[-1] else 'BAD')\n" +
                     "        elif m.name == 'index.json':\n" +
                     "            print('index', json.loads(data)['manifests'][0]['annotations']['org.opencontainers.image.ref.name'])\n" +
                     "        else:\n" +
                     "            print(m.name)\n";
        var lines = ScratchFolder.Output("python3", "-c", script, tar).Trim().Split('\n');
        Assert.Equal("oci-layout", lines[0]);
        Assert.Equal("index example.test/app:v1", lines[^1]);
        Assert.Equal(3, lines.Count(l => l.EndsWith(" ok"))); // config, layer, manifest
        Assert.DoesNotContain(lines, l => l.EndsWith("BAD"));
    }
}
