using System.Diagnostics;

namespace CseAirgap.Engine.Tests.Export;

/// <summary>
/// A scratch folder holding an export folder ("export") and, beside it, a canary file and an outside folder, so a
/// test can assert that nothing outside the export was read into or changed.
/// </summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "cseairgap-xunit-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        Export = Path.Combine(Root, "export");
        Directory.CreateDirectory(Path.Combine(Export, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(Export, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Canary = Path.Combine(Root, "canary.txt");
        File.WriteAllText(Canary, "canary");
    }

    public string Root { get; }
    public string Export { get; }
    public string Canary { get; }

    /// <summary>The names, sizes and times of everything beside the export, to compare before and after.</summary>
    public string Snapshot() => string.Join("\n", Directory.EnumerateFileSystemEntries(Root)
        .Where(p => p != Export).OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => $"{p} {(File.Exists(p) ? new FileInfo(p).Length : -1)} {File.GetLastWriteTimeUtc(p):O}"));

    public string BlobPath(string hex) => Path.Combine(Export, "blobs", "sha256", hex);

    public void WriteIndex(string digest, long size, string mediaType = "application/vnd.oci.image.manifest.v1+json") =>
        File.WriteAllText(Path.Combine(Export, "index.json"),
            "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size +
            ",\"annotations\":{\"io.containerd.image.name\":\"example.test/app:v1\"}}]}");

    public static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(" ", args)} failed ({process.ExitCode}): {output}");
    }

    public static string Output(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(" ", args)} failed ({process.ExitCode}): {stderr}");
        return stdout.Result;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
