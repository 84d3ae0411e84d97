using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>Checks an export before it travels and after: part checksums, every blob against its digest, every image complete.</summary>
public static class ExportVerifier
{
    public static IReadOnlyList<CheckResult> Verify(string path, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var checksumFile = System.Text.RegularExpressions.Regex.Replace(Path.GetFullPath(path), @"\.\d{3}$", string.Empty) + ".sha256";
        if (!Directory.Exists(path) && File.Exists(checksumFile)) results.AddRange(VerifyParts(checksumFile, ct));
        if (results.Any(r => r.Status == CheckStatus.Failed)) return results;

        OciLayoutReader reader;
        try
        {
            reader = OciLayoutReader.Open(path);
        }
        catch (RegistryException e)
        {
            results.Add(new CheckResult("Index", path, CheckStatus.Failed, e.Message));
            return results;
        }
        results.Add(new CheckResult("Index", path, CheckStatus.Passed, $"index.json lists {reader.Images.Count} images."));

        var bad = 0;
        var count = 0;
        foreach (var (digest, size) in reader.Blobs())
        {
            ct.ThrowIfCancellationRequested();
            count++;
            using var stream = reader.OpenBlob(digest);
            using var sha = SHA256.Create();
            var actual = Digests.Format(sha.ComputeHash(stream));
            if (actual == digest) continue;
            bad++;
            results.Add(new CheckResult("Blob", digest, CheckStatus.Failed, $"The blob {digest} ({size} bytes) hashes to {actual}: it is damaged. Export again (a folder export replaces only what is wrong)."));
        }
        if (bad == 0) results.Add(new CheckResult("Blobs", path, CheckStatus.Passed, $"All {count} blobs match their digests."));

        foreach (var image in reader.Images)
        {
            var missing = new List<string>();
            try
            {
                var queue = new Queue<Descriptor>(new[] { image.Manifest });
                while (queue.Count > 0)
                {
                    var d = queue.Dequeue();
                    if (!reader.HasBlob(d.Digest))
                    {
                        missing.Add(d.Digest);
                        continue;
                    }
                    var manifest = reader.ReadManifest(d);
                    foreach (var child in manifest.Children) queue.Enqueue(child);
                    missing.AddRange(manifest.Blobs.Where(b => !reader.HasBlob(b.Digest)).Select(b => b.Digest.Value));
                }
            }
            catch (RegistryException e)
            {
                results.Add(new CheckResult("Image", image.Reference, CheckStatus.Failed, e.Message));
                continue;
            }
            results.Add(missing.Count == 0
                ? new CheckResult("Image", image.Reference, CheckStatus.Passed, $"Complete ({image.Manifest.Digest}).")
                : new CheckResult("Image", image.Reference, CheckStatus.Failed, $"Missing {missing.Count} blobs, such as {missing[0]}. Export it again."));
        }
        return results;
    }

    private static IEnumerable<CheckResult> VerifyParts(string checksumFile, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(checksumFile)!;
        foreach (var line in File.ReadAllLines(checksumFile).Where(l => l.Trim().Length > 0))
        {
            ct.ThrowIfCancellationRequested();
            var split = line.Split(new[] { ' ' }, 2, StringSplitOptions.RemoveEmptyEntries);
            var expected = split[0];
            var name = split[1].TrimStart('*', ' ');
            var file = Path.Combine(folder, name);
            if (!File.Exists(file))
            {
                yield return new CheckResult("Part", file, CheckStatus.Failed, $"The part {name} is missing. Copy it next to the others.");
                continue;
            }
            using var stream = File.OpenRead(file);
            using var sha = SHA256.Create();
            var actual = Digests.Format(sha.ComputeHash(stream)).Substring(7);
            yield return actual == expected
                ? new CheckResult("Part", file, CheckStatus.Passed, "The checksum matches.")
                : new CheckResult("Part", file, CheckStatus.Failed, $"The checksum of {name} is {actual}, not {expected}: the copy is damaged. Copy it again.");
        }
    }
}
