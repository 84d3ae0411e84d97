using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>Checks an export before it travels and after: part checksums, every blob against its digest, every image complete.</summary>
public static class ExportVerifier
{
    /// <summary>The checks; a refusal (a hostile or unreadable index.json) is also handed to <paramref name="onRefusal"/>.</summary>
    public static IReadOnlyList<CheckResult> Verify(string path, CancellationToken ct, Action<CseAirgapException>? onRefusal = null)
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
        catch (CseAirgapException e)
        {
            results.Add(new CheckResult("Index", path, CheckStatus.Failed, e.Message));
            onRefusal?.Invoke(e);
            return results;
        }
        results.Add(new CheckResult("Index", path, CheckStatus.Passed, $"index.json lists {reader.Images.Count} images."));

        var bad = 0;
        var count = 0;
        foreach (var (digest, size) in reader.Blobs())
        {
            ct.ThrowIfCancellationRequested();
            count++;
            string actual;
            try
            {
                using var stream = reader.OpenBlob(digest);
                using HashAlgorithm hash = digest.Algorithm == "sha512" ? SHA512.Create() : SHA256.Create();
                actual = digest.Algorithm + ":" + Hex(hash.ComputeHash(stream));
            }
            catch (CseAirgapException e)
            {
                bad++;
                results.Add(new CheckResult("Blob", digest, CheckStatus.Failed, e.Message));
                continue;
            }
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
            catch (CseAirgapException e)
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

    private static string Hex(byte[] hash)
    {
        var text = new System.Text.StringBuilder(hash.Length * 2);
        foreach (var b in hash) text.Append(b.ToString("x2"));
        return text.ToString();
    }

    private static IEnumerable<CheckResult> VerifyParts(string checksumFile, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(checksumFile)!;
        var set = Path.GetFileName(checksumFile.Substring(0, checksumFile.Length - ".sha256".Length));
        byte[] text;
        try
        {
            using var checksums = ExportFiles.Open(folder, Path.GetFileName(checksumFile), folder);
            text = ExportFiles.ReadAll(checksums, 1024 * 1024, "checksum file", checksumFile);
        }
        catch (CseAirgapException e)
        {
            return new[] { new CheckResult("Part", checksumFile, CheckStatus.Failed, e.Message) };
        }
        var results = new List<CheckResult>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(text).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0))
        {
            ct.ThrowIfCancellationRequested();
            var split = line.Split(new[] { ' ' }, 2, StringSplitOptions.RemoveEmptyEntries);
            var expected = split[0];
            var name = split.Length > 1 ? split[1].TrimStart('*', ' ') : string.Empty;
            // Only the set's own part names, side by side with the checksum file: never a path to somewhere else.
            if (name != set && !System.Text.RegularExpressions.Regex.IsMatch(name, "^" + System.Text.RegularExpressions.Regex.Escape(set) + @"\.\d{3}$"))
            {
                results.Add(new CheckResult("Part", checksumFile, CheckStatus.Failed, $"The checksum file names '{name}', which is not a part of {set}: it was not read. The checksum file is damaged or tampered with."));
                continue;
            }
            var file = Path.Combine(folder, name);
            try
            {
                using var stream = ExportFiles.Open(folder, name, folder);
                using var sha = SHA256.Create();
                var actual = Hex(sha.ComputeHash(stream));
                results.Add(actual == expected
                    ? new CheckResult("Part", file, CheckStatus.Passed, "The checksum matches.")
                    : new CheckResult("Part", file, CheckStatus.Failed, $"The checksum of {name} is {actual}, not {expected}: the copy is damaged. Copy it again."));
            }
            catch (ExportIncompleteException)
            {
                results.Add(new CheckResult("Part", file, CheckStatus.Failed, $"The part {name} is missing. Copy it next to the others."));
            }
            catch (CseAirgapException e)
            {
                results.Add(new CheckResult("Part", file, CheckStatus.Failed, e.Message));
            }
        }
        return results;
    }
}
